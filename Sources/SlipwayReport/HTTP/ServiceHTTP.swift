package import AsyncHTTPClient
package import Foundation
package import Logging
import NIOCore
import SlipwayHTTP
package import NIOHTTP1

/// One JSON call to GitLab or a chat service, retried on 429 (waiting for `Retry-After`, or
/// Discord's more precise JSON `retry_after`), on 5xx and on transport errors. Every other answer
/// goes back to the caller, which knows what it means there: GitLab's 400 on a repeated state is
/// success, Slack's HTTP 200 can still be `ok:false`, a Discord 404 means the webhook is gone.
///
/// URLs are never logged nor put in errors: Slack, Teams and Discord webhook URLs are credentials.
package struct ServiceHTTP: Sendable {
    package struct Reply: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var body: Data

        /// The body as a JSON object, when it is one.
        package var object: [String: Any]? {
            try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        }

        /// The service's own words: JSON `message` / `error`, else the start of the text body.
        package var message: String {
            if let object {
                if let text = object["message"] as? String { return text }
                if let error = object["error"] as? String { return error }
                if let nested = object["message"],
                    let data = try? JSONSerialization.data(withJSONObject: nested, options: [.sortedKeys])
                {
                    return String(decoding: data, as: UTF8.self)
                }
            }
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? "no message" : text
        }
    }

    /// Names the service in logs and errors ("Slack", "GitLab").
    package let service: String
    package let httpClient: HTTPClient
    package let logger: Logger
    package let maxAttempts: Int
    /// Back-off when the service gives no wait (5xx, transport errors), times the attempt number.
    package let retryDelay: Duration
    /// Longest wait honoured; a longer `Retry-After` is cut to this.
    package let maxWait: Duration

    package init(
        service: String, httpClient: HTTPClient, logger: Logger, maxAttempts: Int = 4, retryDelay: Duration = .seconds(2),
        maxWait: Duration = .seconds(60)
    ) {
        self.service = service
        self.httpClient = httpClient
        self.logger = logger
        self.maxAttempts = max(1, maxAttempts)
        self.retryDelay = retryDelay
        self.maxWait = maxWait
    }

    /// Sends `body` (JSON) and returns the first answer that is not worth retrying, or the last one.
    package func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], json body: Data?, step: String
    ) async throws(ReportError) -> Reply {
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Accept", value: "application/json")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let reply: Reply
            do {
                reply = try await OutboundHTTP(client: httpClient).withResponse(
                    request, trust: .configured, timeout: .seconds(30)
                ) { response, _ in
                    let data = Data(try await response.body.collect(upTo: 4 << 20).readableBytesView)
                    return Reply(status: Int(response.status.code), headers: response.headers, body: data)
                }
            } catch {
                if attempt < maxAttempts {
                    try? await Task.sleep(for: retryDelay * attempt)
                    continue
                }
                throw .transport(step: step, reason: "\(service) did not answer (\(type(of: error)))")
            }
            guard reply.status == 429 || reply.status >= 500, attempt < maxAttempts else { return reply }
            let wait = min(Self.retryAfter(reply) ?? retryDelay * attempt, maxWait)
            logger.notice(
                "\(service) asked to retry",
                metadata: ["step": "\(step)", "status": "\(reply.status)", "wait": "\(wait)"])
            try? await Task.sleep(for: wait)
        }
    }

    /// Discord's JSON `retry_after` (fractional seconds), else the `Retry-After` header in seconds.
    static func retryAfter(_ reply: Reply) -> Duration? {
        if let seconds = reply.object?["retry_after"] as? Double, seconds >= 0 {
            return .milliseconds(Int((seconds * 1000).rounded(.up)))
        }
        if let value = reply.headers.first(name: "retry-after"), let seconds = Double(value), seconds >= 0 {
            return .milliseconds(Int((seconds * 1000).rounded(.up)))
        }
        return nil
    }

    /// `object` as JSON bytes, keys sorted, slashes unescaped.
    package static func encode(_ object: Any) -> Data? {
        try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
