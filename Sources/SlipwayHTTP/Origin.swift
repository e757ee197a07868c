package import Foundation

/// Scheme, host and port: the unit a credential is issued for.
package struct Origin: Hashable, Sendable, CustomStringConvertible {
    package let scheme: String
    package let host: String
    package let port: Int

    package init?(_ url: URL) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            var host = url.host?.lowercased(), !host.isEmpty
        else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.scheme = scheme
        self.host = host
        self.port = url.port ?? (scheme == "https" ? 443 : 80)
    }

    package init?(_ text: String) {
        guard let url = URL(string: text) else { return nil }
        self.init(url)
    }

    package var description: String { "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

/// Text safe to show: a URL without user-info, query string or fragment (signed URLs and some
/// CIs carry credentials there).
package func redactedURL(_ url: String) -> String {
    var text = String(url.prefix { $0 != "?" && $0 != "#" })
    if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].range(of: "@"),
        !text[scheme.upperBound..<at.lowerBound].contains("/")
    {
        text.removeSubrange(scheme.upperBound..<at.upperBound)
    }
    return text
}
