import Foundation

/// A download token (`{"status":true,"data":{"token":…,"expiresAt":…}}`). Whoever holds it can
/// download the build until it expires, so it is never logged; it only appears inside the link
/// Slipway reports.
struct AppliveryDownloadToken: Sendable, Equatable {
    var token: String
    /// As Applivery wrote it, for people to read.
    var expiresAt: String?
    /// Parsed from `expiresAt` (ISO 8601, with or without fractional seconds), when it parses.
    var expiry: Date?

    static func parse(_ body: Data) -> AppliveryDownloadToken? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let data = object["data"] as? [String: Any], let token = data["token"] as? String, !token.isEmpty
        else { return nil }
        let expiresAt = data["expiresAt"] as? String
        return AppliveryDownloadToken(token: token, expiresAt: expiresAt, expiry: expiresAt.flatMap(Self.date))
    }

    static func date(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }
}
