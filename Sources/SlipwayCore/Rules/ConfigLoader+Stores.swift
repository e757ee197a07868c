import Yams

/// `stores:`: a name per store, its `type:` deciding which keys it takes.
extension ConfigLoader {
    static func readStores(_ node: Node, reader: inout YAMLNodeReader) -> [StoreDefinition] {
        guard case .mapping(let mapping) = node else {
            reader.error(node, "stores must be a mapping from a store name to its settings")
            return []
        }
        var stores: [StoreDefinition] = []
        for (key, value) in mapping {
            guard let name = reader.string(key, "a store name") else { continue }
            guard isValidName(name) else {
                reader.error(key, "store name \"\(name)\" may only use letters, digits, \"-\" and \"_\"")
                continue
            }
            if stores.contains(where: { $0.name == name }) {
                reader.error(key, "store \"\(name)\" is declared twice")
                continue
            }
            if let store = readStore(name: name, key: key, value, reader: &reader) { stores.append(store) }
        }
        return stores
    }

    static func readStore(name: String, key: Node, _ node: Node, reader: inout YAMLNodeReader)
        -> StoreDefinition?
    {
        let what = "store \"\(name)\""
        guard case .mapping(let mapping) = node else {
            reader.error(node, "\(what) must be a mapping with at least \"type:\"")
            return nil
        }
        guard let typeNode = mapping["type"], let typeName = reader.string(typeNode, "\(what) type") else {
            reader.error(key, "\(what) has no \"type:\"; known types: \(StoreType.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let type = StoreType(rawValue: typeName) else {
            var message = "unknown store type \"\(typeName)\" for \(what); known types: "
                + StoreType.allCases.map(\.rawValue).joined(separator: ", ")
            if let guess = reader.closest(to: typeName, in: StoreType.allCases.map(\.rawValue)) {
                message += " (did you mean \"\(guess)\"?)"
            }
            reader.error(typeNode, message)
            return nil
        }
        let line = key.mark?.line ?? 1
        switch type {
        case .googlePlay:
            guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.googlePlay) else { return nil }
            let package = require(fields, "package_name", in: what, at: node, reader: &reader)
                .flatMap { reader.string($0, "\(what) package_name") }
            let account = require(fields, "service_account", in: what, at: node, reader: &reader)
                .flatMap { reader.secretReference($0, "\(what) service_account") }
            guard let package, let account else { return nil }
            if !isValidPackageName(package) {
                reader.error(fields["package_name"]!.value, "\(what) package_name \"\(package)\" is not an Android package name (like com.example.app)")
            }
            var settings = GooglePlaySettings(packageName: package, serviceAccount: account)
            if let n = fields["api_url"]?.value, let v = reader.url(n, "\(what) api_url") { settings.apiURL = v }
            if let n = fields["token_url"]?.value, let v = reader.url(n, "\(what) token_url") { settings.tokenURL = v }
            if let n = fields["resumable_threshold_bytes"]?.value,
                let v = reader.int(n, "\(what) resumable_threshold_bytes", range: 0...(8 << 30))
            {
                settings.resumableThresholdBytes = Int64(v)
            }
            if let n = fields["chunk_bytes"]?.value,
                let v = reader.int(n, "\(what) chunk_bytes", range: 262_144...(1024 * 1024 * 1024))
            {
                if v % 262_144 != 0 {
                    reader.error(n, "\(what) chunk_bytes must be a multiple of 262144 (256 KiB), as Google requires")
                } else {
                    settings.chunkBytes = v
                }
            }
            return StoreDefinition(name: name, line: line, settings: .googlePlay(settings))
        case .applivery:
            return readAppliveryStore(name: name, node: node, typeNode: typeNode, reader: &reader)
                .map { StoreDefinition(name: name, line: line, settings: $0) }
        case .buildUploads:
            return readBuildUploadsStore(name: name, node: node, typeNode: typeNode, reader: &reader)
                .map { StoreDefinition(name: name, line: line, settings: $0) }
        case .ignite:
            return readIgniteStore(name: name, node: node, typeNode: typeNode, reader: &reader)
                .map { StoreDefinition(name: name, line: line, settings: $0) }
        case .amazonAppstore:
            return readAmazonAppstoreStore(name: name, node: node, typeNode: typeNode, reader: &reader)
                .map { StoreDefinition(name: name, line: line, settings: $0) }
        }
    }

    static func isValidPackageName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2
            && parts.allSatisfy { part in
                guard let first = part.first, first.isLetter else { return false }
                return part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            }
    }
}
