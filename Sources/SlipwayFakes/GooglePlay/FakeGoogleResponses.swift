import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Response bodies shaped like Google's: the API's JSON error object, OAuth's error pair, and
/// plain JSON objects.
enum FakeGoogleResponses {
    static func json(_ status: HTTPResponse.Status, _ object: some Encodable, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(object)) ?? Data("{}".utf8)
        var headers = headers
        headers[.contentType] = "application/json; charset=UTF-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct APIError: Encodable {
        struct Body: Encodable {
            var code: Int
            var message: String
            var errors: [Item]
            var status: String
        }
        struct Item: Encodable {
            var message: String
            var domain: String
            var reason: String
        }
        var error: Body
    }

    /// `{"error":{"code":…,"message":…,"errors":[{"message","domain":"global","reason"}],"status":…}}`.
    static func apiError(
        _ code: Int, reason: String? = nil, message: String? = nil, retryAfterSeconds: Int? = nil
    ) -> Response {
        let reason = reason ?? defaultReason(code)
        let message = message ?? defaultMessage(code)
        let body = APIError(
            error: .init(
                code: code, message: message,
                errors: [.init(message: message, domain: "global", reason: reason)],
                status: statusName(code)))
        var headers: HTTPFields = [:]
        if let retryAfterSeconds { headers[.retryAfter] = "\(retryAfterSeconds)" }
        if code == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"" }
        return json(.init(code: code), body, headers: headers)
    }

    /// OAuth token endpoint error: `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`.
    static func oauthError(_ code: Int = 400, error: String, description: String) -> Response {
        json(.init(code: code), ["error": error, "error_description": description])
    }

    static func defaultReason(_ code: Int) -> String {
        switch code {
        case 400: "invalidValue"
        case 401: "authError"
        case 403: "forbidden"
        case 404: "notFound"
        case 409: "concurrentUpdate"
        case 410: "gone"
        case 429: "rateLimitExceeded"
        case 500...599: "backendError"
        default: "unknown"
        }
    }

    static func defaultMessage(_ code: Int) -> String {
        switch code {
        case 400: "Invalid value."
        case 401:
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
        case 403: "The caller does not have permission"
        case 404: "Requested entity was not found."
        case 409: "The operation was aborted because of a concurrent update."
        case 410: "The upload session has expired."
        case 429: "Quota exceeded for quota metric 'Queries'."
        case 503: "The service is currently unavailable."
        case 500...599: "Internal error encountered."
        default: "Error \(code)."
        }
    }

    static func statusName(_ code: Int) -> String {
        switch code {
        case 400: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404, 410: "NOT_FOUND"
        case 409: "ABORTED"
        case 429: "RESOURCE_EXHAUSTED"
        case 503: "UNAVAILABLE"
        case 500...599: "INTERNAL"
        default: "UNKNOWN"
        }
    }
}
