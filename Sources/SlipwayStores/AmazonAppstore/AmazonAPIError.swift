import Foundation

/// What an App Submission API error body says, in any of the shapes seen:
/// `{"httpCode":400,"message":"Bad Request","errors":[{"errorCode":…,"errorMessage":…}]}`, the
/// flattened `{"errorCode":…,"errorMessage":…}`, and the gateway's `{"Message":"…"}`.
struct AmazonAPIError: Decodable, Sendable {
    struct Item: Decodable, Sendable {
        var errorCode: String?
        var errorMessage: String?
    }

    var message: String?
    var gatewayMessage: String?
    var errorCode: String?
    var errorMessage: String?
    var errors: [Item]?

    enum CodingKeys: String, CodingKey {
        case message, errorCode, errorMessage, errors
        case gatewayMessage = "Message"
    }

    static func parse(_ body: Data) -> AmazonAPIError? {
        guard let parsed = try? JSONDecoder().decode(AmazonAPIError.self, from: body) else { return nil }
        return parsed.details.isEmpty && parsed.message == nil && parsed.gatewayMessage == nil ? nil : parsed
    }

    /// Every specific message (`errors[].errorMessage`, or the flattened one), with its code.
    var details: [String] {
        var items = errors ?? []
        if errorCode != nil || errorMessage != nil { items.append(Item(errorCode: errorCode, errorMessage: errorMessage)) }
        return items.compactMap { item in
            switch (item.errorMessage, item.errorCode) {
            case (let message?, let code?): "\"\(message)\" (\(code))"
            case (let message?, nil): "\"\(message)\""
            case (nil, let code?): code
            default: nil
            }
        }
    }

    /// One line: the specific messages, else the general one.
    var quoted: String {
        let specific = details
        if !specific.isEmpty { return specific.joined(separator: "; ") }
        return "\"\(gatewayMessage ?? message ?? "no message")\""
    }
}
