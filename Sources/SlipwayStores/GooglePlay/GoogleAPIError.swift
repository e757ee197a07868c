import Foundation

/// Google's JSON error body, as the Android Publisher API sends it:
/// `{"error":{"code":403,"message":"…","errors":[{"reason":"forbidden",…}],"status":"PERMISSION_DENIED"}}`.
/// Also accepts the unwrapped object some clients print (`{"code":500,"message":…}`).
struct GoogleAPIError: Decodable, Sendable {
    struct Item: Decodable, Sendable {
        var reason: String?
        var message: String?
        var domain: String?
    }

    var code: Int?
    var message: String?
    var status: String?
    var errors: [Item]?

    private struct Wrapper: Decodable {
        var error: GoogleAPIError
    }

    /// Parses `body`, or nil when it is not Google's error shape.
    static func parse(_ body: Data) -> GoogleAPIError? {
        let decoder = JSONDecoder()
        if let wrapped = try? decoder.decode(Wrapper.self, from: body) { return wrapped.error }
        if let bare = try? decoder.decode(GoogleAPIError.self, from: body), bare.message != nil || bare.code != nil {
            return bare
        }
        return nil
    }

    /// Every `errors[].reason`, e.g. `["userInsufficientPermission"]`.
    var reasons: [String] { (errors ?? []).compactMap(\.reason) }

    /// What Google said, quoted, with the reason and status it gave: `"The caller does not have
    /// permission" (forbidden, PERMISSION_DENIED)`.
    var quoted: String {
        let text = message ?? errors?.first?.message ?? "no message"
        let labels = reasons + (status.map { [$0] } ?? [])
        return "\"\(text)\"" + (labels.isEmpty ? "" : " (\(labels.joined(separator: ", ")))")
    }
}
