import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Answers shaped like Applivery's: `{"status":true,"data":…}` and
/// `{"status":false,"error":{"code":…,"message":…}}`.
enum FakeAppliveryResponses {
    static func data(_ data: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        json(["status": true, "data": data], status: status)
    }

    static func error(_ httpStatus: Int, code: Int, message: String? = nil) -> Response {
        json(
            ["status": false, "error": ["code": code, "message": message ?? defaultMessage(code)]],
            status: .init(code: httpStatus))
    }

    static func plain(_ httpStatus: Int, _ text: String) -> Response {
        Response(
            status: .init(code: httpStatus), headers: [.contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func defaultMessage(_ code: Int) -> String {
        switch code {
        case 3001: "Entity not found"
        case 4002: "No auth token"
        case 4004: "Invalid token"
        case 4005: "Token Expired"
        case 5006: "Upload failed"
        case 5014: "Build Not Processed"
        default: "Error \(code)"
        }
    }
}
