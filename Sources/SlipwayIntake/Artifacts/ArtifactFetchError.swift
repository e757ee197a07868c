/// Why a build's artifact could not be fetched, written for the person reading the PR comment.
/// Never contains a token or a signed URL's query string.
package enum ArtifactFetchError: Error, CustomStringConvertible, Equatable {
    /// The CI answered with an HTTP error.
    case http(step: String, status: Int, message: String, hint: String?)
    /// The connection failed or timed out.
    case transport(step: String, reason: String)
    /// Nothing in the build matched the rule's `artifact:` pattern.
    case noMatch(pattern: String, available: [String])
    /// Every candidate artifact has expired on the CI.
    case expired(names: [String])
    /// The downloaded file is not a readable zip, or writing it failed.
    case unreadable(String)
    /// The URL's host is not in the allowlist `setting` (the config key of the source that was used).
    case hostNotAllowed(host: String, setting: String)
    /// A URL whose name is no `.apk`/`.aab`, answered without a `Content-Disposition` file name, for a
    /// rule without `artifact_kind`: nothing says what the file is.
    case untyped(url: String)
    /// The downloaded file's sha256 is not the one the webhook declared (`artifact_sha256`).
    case checksumMismatch(name: String, expected: String, actual: String)
    /// The guard refused the URL (a private address, an https → http redirect, too many redirects).
    case refused(step: String, reason: String)

    package var description: String {
        switch self {
        case .http(let step, let status, let message, let hint):
            "\(step): HTTP \(status): \(message)" + (hint.map { ". \($0)" } ?? "")
        case .transport(let step, let reason):
            "\(step): \(reason)"
        case .noMatch(let pattern, let available):
            available.isEmpty
                ? "no artifact matches \"\(pattern)\": the build has no artifacts (upload the APK/AAB with actions/upload-artifact)"
                : "no artifact matches \"\(pattern)\"; the build has: \(available.prefix(20).joined(separator: ", "))"
        case .expired(let names):
            "the build's artifacts have expired on the CI (\(names.joined(separator: ", "))); re-run the build"
        case .unreadable(let reason):
            "the artifact could not be read: \(reason)"
        case .hostNotAllowed(let host, let setting):
            "artifact host \(host) is not in \(setting); add it there if the build's artifacts are served from it"
        case .untyped(let url):
            "\(url) does not say whether it is an APK or an AAB: its path does not end in .apk or .aab and the answer "
                + "has no Content-Disposition file name; set artifact_kind: apk (or aab) on the rule"
        case .refused(let step, let reason):
            "\(step): \(reason)"
        case .checksumMismatch(let name, let expected, let actual):
            "\(name) downloaded with sha256 \(actual), but the webhook declared \(expected) (artifact_sha256); no store "
                + "received the whole file. The download will be retried; if it keeps differing, check that the hook "
                + "sends the digest of the file at artifact_url"
        }
    }

    /// 408/429/5xx and connection failures may pass; the rest will not change by asking again.
    package var isRetryable: Bool {
        switch self {
        case .http(_, let status, _, _): status == 408 || status == 429 || status >= 500
        case .transport, .checksumMismatch: true
        default: false
        }
    }
}
