import Foundation
import Yams

extension ConfigLoader {

    /// Reads an `applivery` store: `app_token` and `organization` are required; everything else
    /// has a default. Every problem is reported at its own line.
    static func readAppliveryStore(name: String, node: Node, typeNode: Node, reader: inout YAMLNodeReader) -> StoreSettings? {
        let what = "store \"\(name)\""
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.applivery) else { return nil }
        let token = require(fields, "app_token", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what) app_token") }
        let organization = require(fields, "organization", in: what, at: node, reader: &reader)
            .flatMap { reader.string($0, "\(what) organization") }
        var settings = AppliverySettings(appToken: token ?? .environment("_"), organization: organization ?? "")
        var valid = token != nil && organization != nil

        if let n = fields["workspace_token"]?.value {
            if let v = reader.secretReference(n, "\(what) workspace_token") { settings.workspaceToken = v } else { valid = false }
        }
        if let n = fields["app_id"]?.value {
            if let v = reader.string(n, "\(what) app_id") { settings.appID = v } else { valid = false }
        }
        if let n = fields["download_type"]?.value, let v = reader.string(n, "\(what) download_type") {
            if let type = AppliverySettings.DownloadType(rawValue: v) {
                settings.downloadType = type
            } else {
                reader.error(n, "\(what) download_type must be auto, file or aab, not \"\(v)\"")
                valid = false
            }
        }
        if let n = fields["version_name"]?.value, let v = reader.string(n, "\(what) version_name") {
            let unknown = placeholders(in: v).filter { !AppliverySettings.versionNamePlaceholders.contains($0) }
            if unknown.isEmpty {
                settings.versionName = v
            } else {
                reader.error(
                    n,
                    "\(what) version_name uses unknown placeholder \(unknown.map { "{\($0)}" }.joined(separator: ", ")); "
                        + "use \(AppliverySettings.versionNamePlaceholders.map { "{\($0)}" }.joined(separator: ", "))")
                valid = false
            }
        }
        if let n = fields["tags"]?.value, let values = reader.stringList(n, "\(what) tags") {
            for (tag, tagNode) in values where tag.contains(",") {
                reader.error(tagNode, "\(what) tag \"\(tag)\" contains a comma; Applivery separates tags with commas, so list them one by one")
                valid = false
            }
            settings.tags = values.map { $0.0.trimmingCharacters(in: .whitespaces) }
        }
        if let n = fields["filter"]?.value {
            if let groups = readAppliveryFilter(n, what: what, reader: &reader) { settings.filter = groups } else { valid = false }
        }
        if let n = fields["notify_collaborators"]?.value, let v = reader.bool(n, "\(what) notify_collaborators") {
            settings.notifyCollaborators = v
        }
        if let n = fields["notify_employees"]?.value, let v = reader.bool(n, "\(what) notify_employees") {
            settings.notifyEmployees = v
        }
        if let n = fields["notify_message"]?.value, let v = reader.string(n, "\(what) notify_message") {
            settings.notifyMessage = v
        }
        if let n = fields["check_download_link"]?.value, let v = reader.bool(n, "\(what) check_download_link") {
            settings.checkDownloadLink = v
        }
        for (key, path) in [
            ("upload_url", \AppliverySettings.uploadURL), ("api_url", \.apiURL), ("download_url", \.downloadURL),
        ] {
            guard let n = fields[key]?.value else { continue }
            if let v = reader.url(n, "\(what) \(key)") { settings[keyPath: path] = v } else { valid = false }
        }
        return valid ? .applivery(settings) : nil
    }

    /// `filter:` is a list whose entries are alternatives (OR); an entry is a group name or a list of
    /// group names that must all match (AND): `[qa, [beta, android]]` = qa OR (beta AND android).
    private static func readAppliveryFilter(_ node: Node, what: String, reader: inout YAMLNodeReader) -> [[String]]? {
        guard case .sequence(let alternatives) = node else {
            reader.error(node, "\(what) filter must be a list of groups, e.g. [qa, [beta, android]] (qa, or beta and android)")
            return nil
        }
        var result: [[String]] = []
        var valid = true
        for alternative in alternatives {
            switch alternative {
            case .scalar:
                if let group = reader.string(alternative, "each group in \(what) filter") { result.append([group]) } else { valid = false }
            case .sequence(let groups):
                var all: [String] = []
                for group in groups {
                    if let name = reader.string(group, "each group in \(what) filter") { all.append(name) } else { valid = false }
                }
                if all.isEmpty {
                    reader.error(alternative, "\(what) filter has an empty group list")
                    valid = false
                }
                result.append(all)
            default:
                reader.error(alternative, "each entry of \(what) filter must be a group name or a list of group names")
                valid = false
            }
        }
        return valid ? result : nil
    }

    /// The `{name}` placeholders in `text`.
    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
