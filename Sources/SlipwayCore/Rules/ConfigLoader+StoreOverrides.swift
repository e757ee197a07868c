import Yams

/// Per-rule store options: `stores: [play, {applivery-qa: {tags: [nightly]}}]`. The rule's options
/// are laid over the store's own mapping and the result is read by the same store reader, so their
/// types and values are checked, at their own lines, exactly as if written on the store.
extension ConfigLoader {
    /// Store names from a rule's `stores:` — each entry a name, or a one-key mapping of a name to options.
    static func storeReferences(_ node: Node, _ what: String, reader: inout YAMLNodeReader) -> [(String, Node)]? {
        let items: [Node]
        switch node {
        case .scalar, .mapping: items = [node]
        case .sequence(let sequence): items = Array(sequence)
        default:
            reader.error(node, "\(what) must be a list, not \(reader.describe(node))")
            return nil
        }
        var names: [(String, Node)] = []
        for item in items {
            if case .mapping(let mapping) = item {
                guard mapping.count == 1, let (key, _) = mapping.first, let name = reader.string(key, "a store name in \(what)") else {
                    reader.error(item, "each entry of \(what) is a store name, or one store name with its options: {NAME: {KEY: VALUE}}")
                    continue
                }
                names.append((name, key))
            } else if let name = reader.string(item, "each entry of \(what)") {
                names.append((name, item))
            }
        }
        return names
    }

    /// Reads the options of every `{NAME: {…}}` entry and keeps them on the rule as a `StoreOverride`.
    static func readStoreOverrides(
        _ rulesNode: Node, into rules: inout [RoutingRule], stores: [StoreDefinition],
        storeNodes: [String: (key: Node, value: Node)], reader: inout YAMLNodeReader
    ) {
        guard case .sequence(let items) = rulesNode else { return }
        for item in items {
            guard case .mapping(let fields) = item, let ruleName = fields["name"]?.scalar?.string,
                let index = rules.firstIndex(where: { $0.name == ruleName }), case .sequence(let entries)? = fields["stores"]
            else { continue }
            for entry in entries {
                guard case .mapping(let mapping) = entry, mapping.count == 1, let (key, options) = mapping.first,
                    let storeName = key.scalar?.string,
                    let store = stores.first(where: { $0.name == storeName }), let original = storeNodes[storeName],
                    case .mapping(let storeMapping) = original.value
                else { continue }
                let what = "rule \"\(ruleName)\" options for store \"\(storeName)\""
                guard case .mapping(let optionMapping) = options else {
                    reader.error(options, "\(what) must be a mapping of option: value, like {tags: [nightly]}")
                    continue
                }
                let allowed = ConfigKeys.perRule[store.type] ?? []
                var merged = storeMapping
                var written: [(key: String, value: String)] = []
                var valid = true
                for (optionKey, value) in optionMapping {
                    guard let option = optionKey.scalar?.string else { continue }
                    guard allowed.contains(option) else {
                        valid = false
                        if allowed.isEmpty {
                            reader.error(
                                optionKey,
                                "\(what): \(store.type.displayName) stores have no options that vary per rule; declare a second store instead")
                        } else if Self.storeKeys(store.type).contains(option) {
                            reader.error(
                                optionKey,
                                "\(what): \(option) may not vary per rule (credentials, ids and URLs stay on the store; declare a second store); a rule may set \(allowed.joined(separator: ", "))")
                        } else {
                            var message = "\(what): unknown option \"\(option)\"; a rule may set \(allowed.joined(separator: ", "))"
                            if let guess = reader.closest(to: option, in: allowed) { message += " (did you mean \"\(guess)\"?)" }
                            reader.error(optionKey, message)
                        }
                        continue
                    }
                    merged[Node(option)] = value
                    written.append((option, Self.text(value)))
                }
                guard valid, !written.isEmpty else { continue }
                guard let definition = readStore(name: storeName, key: original.key, .mapping(merged), reader: &reader) else { continue }
                rules[index].storeOverrides[storeName] = StoreOverride(definition: definition, options: written)
            }
        }
    }

    static func storeKeys(_ type: StoreType) -> [String] {
        switch type {
        case .googlePlay: ConfigKeys.googlePlay
        case .applivery: ConfigKeys.applivery
        case .buildUploads: ConfigKeys.buildUploads
        case .ignite: ConfigKeys.ignite
        case .amazonAppstore: ConfigKeys.amazonAppstore
        }
    }

    /// A YAML value as one short line (`[nightly, qa]`, `nightly-{short_sha}`).
    static func text(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): scalar.string
        case .sequence(let sequence): "[" + sequence.map(text).joined(separator: ", ") + "]"
        case .mapping(let mapping): "{" + mapping.map { "\(text($0.key)): \(text($0.value))" }.joined(separator: ", ") + "}"
        case .alias: "*alias"
        }
    }
}
