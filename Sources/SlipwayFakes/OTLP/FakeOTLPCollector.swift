import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback OpenTelemetry collector's OTLP/HTTP traces endpoint (`POST /v1/traces`), from the
/// OTLP specification (opentelemetry.io/docs/specs/otlp):
///
/// - takes the JSON encoding (`Content-Type: application/json`) and answers `200 {}` (an
///   `ExportTraceServiceResponse` with nothing rejected);
/// - answers `415` to the binary protobuf encoding (this fake does not decode protobuf; point the
///   exporter at it with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) and `400` with a `Status`
///   message to a body it cannot read;
/// - reads trace and span ids in both spellings seen in the wild: hex, as the specification's
///   JSON mapping asks, and base64, the plain protobuf-JSON mapping some exporters send.
package actor FakeOTLPCollector {
    package private(set) var spans: [FakeOTLPSpan] = []
    /// Export requests refused (wrong encoding, unreadable body).
    package private(set) var refused = 0

    package init() {}

    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        let router = Router(context: BasicRequestContext.self)
        router.post("/v1/traces") { request, _ in
            let payload = try await request.body.collect(upTo: 8 << 20)
            return await self.export(contentType: request.headers[.contentType] ?? "", body: Data(payload.readableBytesView))
        }
        return try await FakeServer.run(router, name: "otlp", logLevel: logLevel, body: body)
    }

    /// The spans of one trace, in the order they were received.
    package func trace(_ traceID: String) -> [FakeOTLPSpan] {
        spans.filter { $0.traceID == traceID }
    }

    private func export(contentType: String, body: Data) -> Response {
        guard contentType.lowercased().hasPrefix("application/json") else {
            refused += 1
            return Self.json(.unsupportedMediaType, ["code": 3, "message": "this collector reads application/json only, not \(contentType)"])
        }
        guard let root = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let resourceSpans = root["resourceSpans"] as? [[String: Any]]
        else {
            refused += 1
            return Self.json(.badRequest, ["code": 3, "message": "the body is not an ExportTraceServiceRequest"])
        }
        for resource in resourceSpans {
            let resourceAttributes = Self.attributes((resource["resource"] as? [String: Any])?["attributes"])
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    guard let traceID = Self.hexID(span["traceId"]), let spanID = Self.hexID(span["spanId"]) else {
                        refused += 1
                        return Self.json(.badRequest, ["code": 3, "message": "a span has no traceId or spanId"])
                    }
                    spans.append(
                        FakeOTLPSpan(
                            traceID: traceID, spanID: spanID, parentSpanID: Self.hexID(span["parentSpanId"]),
                            name: span["name"] as? String ?? "", kind: Self.integer(span["kind"]) ?? 0,
                            attributes: Self.attributes(span["attributes"]),
                            statusCode: Self.integer((span["status"] as? [String: Any])?["code"]) ?? 0,
                            serviceName: resourceAttributes["service.name"] ?? ""))
                }
            }
        }
        return Self.json(.ok, [:])
    }

    /// Hex as sent, or base64 turned into hex; nil for a missing or empty id (a root's parent).
    static func hexID(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        let isHex = (text.count == 32 || text.count == 16) && text.allSatisfy(\.isHexDigit)
        if isHex { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text), !bytes.allSatisfy({ $0 == 0 }) else { return nil }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// OTLP's `KeyValue` list as text values (int64 values come as strings in JSON).
    static func attributes(_ value: Any?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in value as? [[String: Any]] ?? [] {
            guard let key = pair["key"] as? String, let any = pair["value"] as? [String: Any] else { continue }
            if let text = any["stringValue"] as? String {
                result[key] = text
            } else if let number = any["intValue"] {
                result[key] = "\(number)"
            } else if let flag = any["boolValue"] as? Bool {
                result[key] = flag ? "true" : "false"
            } else if let double = any["doubleValue"] {
                result[key] = "\(double)"
            }
        }
        return result
    }

    static func integer(_ value: Any?) -> Int? {
        if let number = value as? Int { return number }
        if let text = value as? String { return Int(text) }
        return nil
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        FakeServer.json(status, object)
    }
}

/// One span as the collector received it.
package struct FakeOTLPSpan: Sendable, Equatable {
    package var traceID: String
    package var spanID: String
    package var parentSpanID: String?
    package var name: String
    /// OTLP's `SpanKind`: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    package var kind: Int
    package var attributes: [String: String]
    /// OTLP's `StatusCode`: 0 unset, 1 ok, 2 error.
    package var statusCode: Int
    package var serviceName: String
}
