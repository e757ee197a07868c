import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An answer worked out inside the actor, turned into a Hummingbird `Response` outside it.
struct FakeAmazonReply: Sendable {
    var status: Int
    var body: Data?
    var etag: String?

    static func json(_ status: Int = 200, _ object: Any, etag: String? = nil) -> FakeAmazonReply {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]))
            ?? Data("{}".utf8)
        return FakeAmazonReply(status: status, body: data, etag: etag)
    }

    static let noContent = FakeAmazonReply(status: 204, body: nil, etag: nil)

    /// Amazon's API error: `{"httpCode":400,"message":"Bad Request","errors":[{"errorCode":…,"errorMessage":…}]}`.
    static func error(_ status: Int, code: String? = nil, messages: [String]) -> FakeAmazonReply {
        let errorCode = code ?? defaultCode(status)
        return json(
            status,
            [
                "httpCode": status, "message": reasonPhrase(status),
                "errors": messages.map { ["errorCode": errorCode, "errorMessage": $0] },
            ] as [String: Any])
    }

    static func error(_ status: Int, code: String? = nil, _ message: String) -> FakeAmazonReply {
        error(status, code: code, messages: [message])
    }

    /// The API gateway's answer to a missing, unknown or expired token.
    static let notAuthorized = json(401, ["Message": "Request is not authorized."])

    static func defaultCode(_ status: Int) -> String {
        switch status {
        case 400: "required_data_absent"
        case 403: "validation_failed"
        case 404: "resource_not_found"
        case 409: "conflict"
        case 412: "precondition_failed"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 429: "throttled"
        default: "internal_error"
        }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        case 413: "Payload Too Large"
        case 415: "Unsupported Media Type"
        case 429: "Too Many Requests"
        case 503: "Service Unavailable"
        default: "Internal Server Error"
        }
    }

    var response: Response {
        var headers: HTTPFields = [:]
        if let etag { headers[.eTag] = etag }
        guard let body else { return Response(status: .init(code: status), headers: headers) }
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
