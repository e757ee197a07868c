import Foundation
import Yams

extension ConfigLoader {

    /// Reads an `ignite` store. DT marks every upload field required, so `client_id`,
    /// `client_secret`, `package_name`, `fallback_url`, `segments` and every `store_metadata` field
    /// but `permissions` are required here too: a missing one is reported at startup, not by DT
    /// after the upload. Every problem is reported at its own line.
    static func readIgniteStore(name: String, node: Node, typeNode: Node, reader: inout YAMLNodeReader) -> StoreSettings? {
        let what = "store \"\(name)\""
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.ignite) else { return nil }
        var valid = true
        func required(_ key: String, _ reader: inout YAMLNodeReader) -> Node? {
            let node = require(fields, key, in: what, at: node, reader: &reader)
            if node == nil { valid = false }
            return node
        }

        let clientID = required("client_id", &reader).flatMap { reader.string($0, "\(what) client_id") }
        let secret = required("client_secret", &reader).flatMap { reader.secretReference($0, "\(what) client_secret") }
        var packageName = required("package_name", &reader).flatMap { reader.string($0, "\(what) package_name") }
        if let package = packageName, let n = fields["package_name"]?.value, !isAndroidPackageName(package) {
            reader.error(n, "\(what) package_name \"\(package)\" is not an Android package name (like com.example.app)")
            packageName = nil
        }
        var fallbackURL = required("fallback_url", &reader).flatMap { reader.url($0, "\(what) fallback_url") }
        if let url = fallbackURL, let n = fields["fallback_url"]?.value {
            let unknown = ignitePlaceholders(in: url).filter { !IgniteSettings.fallbackURLPlaceholders.contains($0) }
            if !unknown.isEmpty {
                reader.error(
                    n,
                    "\(what) fallback_url uses unknown placeholder \(unknown.map { "{\($0)}" }.joined(separator: ", ")); "
                        + "use \(IgniteSettings.fallbackURLPlaceholders.map { "{\($0)}" }.joined(separator: ", "))")
                fallbackURL = nil
            }
        }
        var segments: [String]?
        if let n = required("segments", &reader), let values = reader.stringList(n, "\(what) segments") {
            segments = values.map(\.0)
            for (value, item) in values where UUID(uuidString: value) == nil {
                reader.error(item, "\(what) segment \"\(value)\" is not a UUID; DT's segment ids look like 3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
                segments = nil
            }
            if values.isEmpty {
                reader.error(n, "\(what) segments is empty; name at least one DT segment id")
                segments = nil
            }
        }
        let metadata = required("store_metadata", &reader).flatMap {
            readIgniteMetadata($0, what: "\(what) store_metadata", reader: &reader)
        }
        guard valid, let clientID, let secret, let packageName, let fallbackURL, let segments, let metadata else {
            return nil
        }

        var settings = IgniteSettings(
            clientID: clientID, clientSecret: secret, packageName: packageName, fallbackURL: fallbackURL,
            segmentIDs: segments, sendToSamsung: false, metadata: metadata)
        if let n = fields["send_to_samsung"]?.value {
            if let v = reader.bool(n, "\(what) send_to_samsung") { settings.sendToSamsung = v } else { valid = false }
        }
        if let n = fields["upload_encoding"]?.value, let v = reader.string(n, "\(what) upload_encoding") {
            if let encoding = IgniteSettings.UploadEncoding(rawValue: v) {
                settings.uploadEncoding = encoding
            } else {
                reader.error(
                    n,
                    "\(what) upload_encoding must be "
                        + IgniteSettings.UploadEncoding.allCases.map(\.rawValue).joined(separator: ", ") + ", not \"\(v)\"")
                valid = false
            }
        }
        if let n = fields["token_path"]?.value, let v = reader.string(n, "\(what) token_path") {
            if v.hasPrefix("/") && !v.contains(" ") && !v.contains("?") {
                settings.tokenPath = v
            } else {
                reader.error(n, "\(what) token_path must be a path starting with \"/\", like /api/auth/token")
                valid = false
            }
        }
        if let n = fields["scope"]?.value {
            if let v = reader.string(n, "\(what) scope") { settings.scope = v } else { valid = false }
        }
        for (key, path) in [("token_url", \IgniteSettings.tokenURL), ("api_url", \.apiURL)] {
            guard let n = fields[key]?.value else { continue }
            if let v = reader.url(n, "\(what) \(key)") { settings[keyPath: path] = v } else { valid = false }
        }
        return valid ? .ignite(settings) : nil
    }

    private static func readIgniteMetadata(_ node: Node, what: String, reader: inout YAMLNodeReader)
        -> IgniteSettings.StoreMetadata?
    {
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.igniteMetadata) else { return nil }
        var values: [String: String] = [:]
        let urlKeys: Set = ["icon_url", "website_url", "market_url", "privacy_policy_url"]
        for key in ConfigKeys.igniteMetadata where key != "permissions" {
            guard let n = require(fields, key, in: what, at: node, reader: &reader) else { continue }
            let value = urlKeys.contains(key) ? reader.url(n, "\(what) \(key)") : reader.string(n, "\(what) \(key)")
            guard let value else { continue }
            if key == "email" && (!value.contains("@") || value.contains(" ")) {
                reader.error(n, "\(what) email \"\(value)\" is not an email address")
                continue
            }
            values[key] = value
        }
        var permissions: [IgniteSettings.Permission]? = []
        if let n = fields["permissions"]?.value {
            permissions = readIgnitePermissions(n, what: "\(what) permissions", reader: &reader)
        }
        guard let permissions, let category = values["category"], let shortDescription = values["short_description"],
            let iconURL = values["icon_url"], let developer = values["developer"], let email = values["email"],
            let websiteURL = values["website_url"], let marketURL = values["market_url"],
            let privacyPolicyURL = values["privacy_policy_url"]
        else { return nil }
        return IgniteSettings.StoreMetadata(
            category: category, shortDescription: shortDescription, iconURL: iconURL, developer: developer, email: email,
            websiteURL: websiteURL, marketURL: marketURL, privacyPolicyURL: privacyPolicyURL, permissions: permissions)
    }

    /// `permissions:` maps DT's permission name to `category:` and `description:` (language code →
    /// text), as DT's `store_metadata.permissions` does.
    private static func readIgnitePermissions(_ node: Node, what: String, reader: inout YAMLNodeReader)
        -> [IgniteSettings.Permission]?
    {
        guard case .mapping(let mapping) = node else {
            reader.error(
                node,
                "\(what) must map a permission name to its category and description, e.g. "
                    + "access_network_state: {category: network, description: {en: Checks the connection}}")
            return nil
        }
        var result: [IgniteSettings.Permission] = []
        var valid = true
        for (key, value) in mapping {
            guard let name = reader.string(key, "a permission name in \(what)") else {
                valid = false
                continue
            }
            let here = "\(what) \(name)"
            guard let fields = reader.entries(value, in: here, allowed: ConfigKeys.ignitePermission) else {
                valid = false
                continue
            }
            let category = require(fields, "category", in: here, at: value, reader: &reader)
                .flatMap { reader.string($0, "\(here) category") }
            var descriptions: [String: String]?
            if let n = require(fields, "description", in: here, at: value, reader: &reader) {
                if case .mapping(let languages) = n, !languages.isEmpty {
                    descriptions = [:]
                    for (language, text) in languages {
                        guard let code = reader.string(language, "a language code in \(here) description"),
                            let text = reader.string(text, "\(here) description \(code)")
                        else {
                            descriptions = nil
                            break
                        }
                        guard code.count == 2, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                            reader.error(language, "\(here) description language \"\(code)\" is not a two-letter code like en")
                            descriptions = nil
                            break
                        }
                        descriptions?[code.lowercased()] = text
                    }
                } else {
                    reader.error(n, "\(here) description must map a two-letter language code to text, e.g. {en: Checks the connection}")
                }
            }
            guard let category, let descriptions else {
                valid = false
                continue
            }
            result.append(IgniteSettings.Permission(name: name, category: category, descriptions: descriptions))
        }
        return valid ? result : nil
    }

    /// The `{name}` placeholders in `text`.
    private static func ignitePlaceholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// Dotted Java identifiers, at least two segments: `com.example.app`.
    private static func isAndroidPackageName(_ name: String) -> Bool {
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return false }
        return segments.allSatisfy { segment in
            guard let first = segment.first, first.isASCII, first.isLetter else { return false }
            return segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        }
    }
}
