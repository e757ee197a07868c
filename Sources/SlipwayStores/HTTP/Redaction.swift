import Foundation
import SlipwayHTTP

/// Removes what must never reach a log line, an error message or a PR comment: query strings (a
/// resumable session URI carries its `upload_id` there, signed URLs their signature) and any
/// known secret values (tokens, assertions) a server might echo back.
package enum Redaction {
    /// `url` without its query string, fragment and user-info: `https://host/path?upload_id=…` →
    /// `https://host/path` (the one rule of `SlipwayHTTP.redactedURL`).
    package static func withoutQuery(_ url: String) -> String {
        redactedURL(url)
    }

    /// `text` with the query string of every http(s) URL in it cut off, and every occurrence of
    /// `secrets` replaced by `<redacted>`.
    package static func scrub(_ text: String, secrets: [String] = []) -> String {
        var result = text
        for secret in secrets where secret.count >= 8 {
            result = result.replacingOccurrences(of: secret, with: "<redacted>")
        }
        guard result.contains("?") || result.contains("#") else { return result }
        var output = ""
        var remaining = Substring(result)
        while let range = remaining.range(of: "http", options: [.caseInsensitive]) {
            output += remaining[..<range.lowerBound]
            let urlEnd = remaining[range.lowerBound...].firstIndex(where: { $0.isWhitespace || "\"'<>)]},".contains($0) })
                ?? remaining.endIndex
            output += withoutQuery(String(remaining[range.lowerBound..<urlEnd]))
            remaining = remaining[urlEnd...]
        }
        output += remaining
        return output
    }
}
