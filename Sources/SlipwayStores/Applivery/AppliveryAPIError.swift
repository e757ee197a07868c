import Foundation

/// Applivery's error body, `{"status":false,"error":{"code":5014,"message":"Build Not Processed"}}`
/// (the legacy API said `msg` instead of `message`; both are read).
struct AppliveryAPIError: Sendable, Equatable {
    /// Codes Slipway acts on; the rest are quoted as they come.
    enum Code {
        static let entityNotFound = 3001
        static let noAuthToken = 4002
        static let invalidToken = 4004
        static let tokenExpired = 4005
        static let uploadFailed = 5006
        static let buildNotProcessed = 5014
    }

    var code: Int?
    var message: String?

    /// Parses `body`, or nil when it is not Applivery's error shape (`status` false with an `error`).
    static func parse(_ body: Data) -> AppliveryAPIError? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let error = object["error"] as? [String: Any]
        else { return nil }
        if let status = object["status"] as? Bool, status { return nil }
        let code: Int? =
            switch error["code"] {
            case let number as Int: number
            case let text as String: Int(text)
            default: nil
            }
        let message = (error["message"] as? String) ?? (error["msg"] as? String)
        guard code != nil || message != nil else { return nil }
        return AppliveryAPIError(code: code, message: message)
    }

    /// `"Build Not Processed" (code 5014)`.
    var quoted: String {
        "\"\(message ?? "no message")\"" + (code.map { " (code \($0))" } ?? "")
    }
}
