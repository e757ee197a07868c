import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Tracing

/// One client span per outbound request (each redirect hop is its own request), named by the
/// method as OpenTelemetry's HTTP conventions ask, and the request carrying `traceparent` so the
/// far side can join the trace. The URL is recorded without its query: signed URLs carry
/// credentials there.
enum OutboundSpan {
    static func traced(
        _ request: HTTPClientRequest, url: URL, _ execute: (HTTPClientRequest) async throws -> HTTPClientResponse
    ) async throws -> HTTPClientResponse {
        try await Traced.span(request.method.rawValue, kind: .client) { span in
            span.attributes["http.request.method"] = request.method.rawValue
            if let host = url.host { span.attributes["server.address"] = host }
            span.attributes["server.port"] = url.port ?? (url.scheme == "https" ? 443 : 80)
            span.attributes["url.full"] = redactedURL(url.absoluteString)
            var request = request
            if let context = ServiceContext.current {
                InstrumentationSystem.instrument.inject(context, into: &request.headers, using: HeadersCarrier())
            }
            let response = try await execute(request)
            let status = Int(response.status.code)
            span.attributes["http.response.status_code"] = status
            if status >= 400 { span.setStatus(SpanStatus(code: .error)) }
            return response
        }
    }
}

struct HeadersCarrier: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}
