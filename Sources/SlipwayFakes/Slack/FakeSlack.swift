package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for Slack's `chat.postMessage` / `chat.update` Web API (under `/api`) and an
/// incoming webhook (`/services/<secret>`), from api.slack.com:
///
/// - Web API errors come back as HTTP 200 `{"ok": false, "error": …}` (`invalid_auth`,
///   `message_not_found`, `invalid_blocks` over 50 blocks); the webhook answers `ok` or a
///   plain-text error with a 4xx status.
/// - Queued faults reproduce `ok:false` answers and 429 with `Retry-After`.
package actor FakeSlack {
    package let token: String
    package nonisolated let webhookSecret: String
    package private(set) var messages: [FakeSlackMessage] = []
    package private(set) var webhookPosts: [Data] = []
    /// Every call as `METHOD path`, in order (never the webhook secret).
    package private(set) var requestLog: [String] = []
    private var faults: [FakeSlackFault] = []
    private var nextTS = 1_700_000_000

    package init(token: String, webhookSecret: String = "T000/B000/fakesecret") {
        self.token = token
        self.webhookSecret = webhookSecret
    }

    /// Queues faults for the next calls (Web API or webhook), one per call.
    package func enqueue(_ faults: FakeSlackFault...) { self.faults.append(contentsOf: faults) }

    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        try await FakeServer.run(router(), name: "slack", logLevel: logLevel, body: body)
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/api/:method") { request, context in
            let method = context.parameters.get("method") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            return await self.webAPI(
                method, authorization: request.headers[.authorization] ?? "", body: Data(body.readableBytesView))
        }
        router.post("/services/**") { request, context in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            let body = try await request.body.collect(upTo: 1 << 20)
            return await self.webhook(path: path, body: Data(body.readableBytesView))
        }
        return router
    }

    private func fault() -> Response? {
        guard !faults.isEmpty else { return nil }
        switch faults.removeFirst() {
        case .okFalse(let error): return Self.json(.ok, ["ok": false, "error": error])
        case .rateLimited(let seconds):
            var response = Self.json(.tooManyRequests, ["ok": false, "error": "ratelimited"])
            response.headers[.retryAfter] = String(seconds)
            return response
        }
    }

    private func webAPI(_ method: String, authorization: String, body: Data) -> Response {
        requestLog.append("POST \(method)")
        if let fault = fault() { return fault }
        guard authorization == "Bearer \(token)" else { return Self.json(.ok, ["ok": false, "error": "invalid_auth"]) }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let channel = object["channel"] as? String
        else {
            return Self.json(.ok, ["ok": false, "error": "channel_not_found"])
        }
        let blocks = object["blocks"] as? [[String: Any]] ?? []
        if blocks.count > 50 { return Self.json(.ok, ["ok": false, "error": "invalid_blocks"]) }
        let stored = (try? JSONSerialization.data(withJSONObject: blocks)) ?? Data()
        switch method {
        case "chat.postMessage":
            nextTS += 1
            let ts = "\(nextTS).000100"
            messages.append(FakeSlackMessage(channel: channel, ts: ts, text: object["text"] as? String ?? "", blocks: stored, updates: 0))
            return Self.json(.ok, ["ok": true, "channel": channel, "ts": ts])
        case "chat.update":
            let ts = object["ts"] as? String ?? ""
            guard let index = messages.firstIndex(where: { $0.channel == channel && $0.ts == ts }) else {
                return Self.json(.ok, ["ok": false, "error": "message_not_found"])
            }
            messages[index].text = object["text"] as? String ?? messages[index].text
            if object["blocks"] != nil { messages[index].blocks = stored }
            messages[index].updates += 1
            return Self.json(.ok, ["ok": true, "channel": channel, "ts": ts])
        default:
            return Self.json(.ok, ["ok": false, "error": "unknown_method"])
        }
    }

    private func webhook(path: String, body: Data) -> Response {
        requestLog.append("POST webhook")
        if let fault = fault() { return fault }
        guard path == webhookSecret else { return Self.text(.forbidden, "invalid_token") }
        guard (try? JSONSerialization.jsonObject(with: body)) is [String: Any] else { return Self.text(.badRequest, "invalid_payload") }
        webhookPosts.append(body)
        return Self.text(.ok, "ok")
    }

    static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        FakeServer.json(status, object)
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A message posted with `chat.postMessage`, as last updated.
package struct FakeSlackMessage: Sendable, Equatable {
    package var channel: String
    package var ts: String
    package var text: String
    /// The `blocks` array as JSON.
    package var blocks: Data
    package var updates: Int
}

package enum FakeSlackFault: Sendable, Equatable {
    /// HTTP 200 with `{"ok": false, "error": …}`.
    case okFalse(String)
    /// 429 with `Retry-After: seconds`.
    case rateLimited(retryAfterSeconds: Int)
}
