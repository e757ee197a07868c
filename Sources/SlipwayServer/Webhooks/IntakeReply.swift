import Foundation
import Hummingbird
import NIOCore

/// The JSON bodies webhook senders get back. CI systems show these in their delivery logs, so each
/// says plainly what happened.
struct IntakeReply: Encodable {
    var status: String
    var deliveryID: String?
    var reason: String?
    var error: String?
    var dashboardURL: String?

    enum CodingKeys: String, CodingKey {
        case status
        case deliveryID = "delivery_id"
        case reason, error
        case dashboardURL = "dashboard_url"
    }

    static func response(_ status: HTTPResponse.Status, _ reply: IntakeReply) -> Response {
        jsonResponse(status, reply)
    }
}

/// Encodes `value` as a JSON response with sorted keys (stable for people and tests).
func jsonResponse(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
    encoder.dateEncodingStrategy = .iso8601
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
