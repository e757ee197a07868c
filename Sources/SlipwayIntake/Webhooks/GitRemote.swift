import Foundation

/// Git remote URLs as CI payloads carry them.
package enum GitRemote {
    /// `git@github.com:org/app(.git)` or `https://github.com/org/app(.git)` → `org/app`.
    package static func repositoryPath(_ remote: String) -> String? {
        var text = remote
        if text.hasSuffix(".git") { text.removeLast(4) }
        if let url = URL(string: text), url.scheme != nil, url.host != nil {
            let path = url.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            return path.isEmpty ? nil : path
        }
        if let colon = text.firstIndex(of: ":") {
            let path = text[text.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            return path.isEmpty ? nil : path
        }
        return nil
    }
}
