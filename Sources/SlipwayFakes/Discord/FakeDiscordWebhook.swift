package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for one Discord webhook, from discord-api-docs `webhook.mdx`:
/// `POST /api/webhooks/{id}/{token}` (204 without `wait=true`, 200 + message with it),
/// `PATCH …/messages/{message_id}`; 401 for a wrong token, 404 `Unknown Webhook` (10015) once
/// deleted, 404 `Unknown Message` (10008); 400 over 2000 content, 10 embeds or 6000 embed
/// characters; queued 429s with JSON `retry_after`.
package actor FakeDiscordWebhook {
    package let id: String
    package let token: String
    package private(set) var messages: [FakeDiscordMessage] = []
    /// Every call as `METHOD kind`, in order (never the token).
    package private(set) var requestLog: [String] = []
    private var rateLimits: [Double] = []
    private var deleted = false
    private var nextID = 1_100_000_000_000_000_000

    package init(id: String = "123456789", token: String) {
        self.id = id
        self.token = token
    }

    /// The next calls answer 429 with `retry_after` (seconds, fractional), one per call.
    package func enqueueRateLimit(retryAfter seconds: Double) { rateLimits.append(seconds) }
    /// From now on the webhook is gone (404 Unknown Webhook).
    package func delete() { deleted = true }
    /// Deletes a message, as a channel moderator would.
    package func deleteMessage(_ id: String) { messages.removeAll { $0.id == id } }

    /// Serves the webhook while `body` runs; `body` gets the full webhook URL, token included.
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        let router = Router(context: BasicRequestContext.self)
        router.post("/api/webhooks/:id/:token") { request, context in
            let wait = request.uri.queryParameters.get("wait") == "true"
            let data = try await request.body.collect(upTo: 1 << 20)
            return await self.execute(
                id: context.parameters.get("id") ?? "", token: context.parameters.get("token") ?? "", wait: wait,
                body: Data(data.readableBytesView))
        }
        router.patch("/api/webhooks/:id/:token/messages/:message") { request, context in
            let data = try await request.body.collect(upTo: 1 << 20)
            return await self.edit(
                id: context.parameters.get("id") ?? "", token: context.parameters.get("token") ?? "",
                message: context.parameters.get("message") ?? "", body: Data(data.readableBytesView))
        }
        return try await FakeServer.run(router, name: "discord", logLevel: logLevel) { base in
            try await body("\(base)/api/webhooks/\(id)/\(token)")
        }
    }

    private func check(id: String, token: String, _ description: String) -> Response? {
        requestLog.append(description)
        if !rateLimits.isEmpty {
            let seconds = rateLimits.removeFirst()
            var response = Self.json(.tooManyRequests, ["message": "You are being rate limited.", "retry_after": seconds, "global": false])
            response.headers[.retryAfter] = String(Int(seconds.rounded(.up)))
            return response
        }
        if deleted || id != self.id { return Self.json(.notFound, ["message": "Unknown Webhook", "code": 10015]) }
        if token != self.token { return Self.json(.unauthorized, ["message": "Invalid Webhook Token", "code": 50027]) }
        return nil
    }

    private func execute(id: String, token: String, wait: Bool, body: Data) -> Response {
        if let refused = check(id: id, token: token, "POST execute\(wait ? " wait" : "")") { return refused }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return Self.json(.badRequest, ["message": "Cannot send an empty message", "code": 50006])
        }
        if let invalid = Self.validate(object) { return invalid }
        nextID += 1
        let message = FakeDiscordMessage(id: String(nextID), body: body, edits: 0)
        messages.append(message)
        return wait ? Self.json(.ok, ["id": message.id, "channel_id": "42", "content": object["content"] ?? ""]) : Response(status: .noContent)
    }

    private func edit(id: String, token: String, message: String, body: Data) -> Response {
        if let refused = check(id: id, token: token, "PATCH message") { return refused }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return Self.json(.badRequest, ["message": "Invalid JSON", "code": 50109])
        }
        if let invalid = Self.validate(object) { return invalid }
        guard let index = messages.firstIndex(where: { $0.id == message }) else {
            return Self.json(.notFound, ["message": "Unknown Message", "code": 10008])
        }
        messages[index].body = body
        messages[index].edits += 1
        return Self.json(.ok, ["id": message, "channel_id": "42"])
    }

    /// Discord's documented message limits.
    private static func validate(_ object: [String: Any]) -> Response? {
        if ((object["content"] as? String)?.count ?? 0) > 2000 {
            return json(.badRequest, ["message": "Invalid Form Body", "code": 50035, "errors": ["content": "Must be 2000 or fewer in length."]])
        }
        let embeds = object["embeds"] as? [[String: Any]] ?? []
        if embeds.count > 10 { return json(.badRequest, ["message": "Invalid Form Body", "code": 50035]) }
        var total = 0
        for embed in embeds {
            total += ((embed["title"] as? String)?.count ?? 0) + ((embed["description"] as? String)?.count ?? 0)
            total += ((embed["footer"] as? [String: Any])?["text"] as? String)?.count ?? 0
            for field in embed["fields"] as? [[String: Any]] ?? [] {
                total += ((field["name"] as? String)?.count ?? 0) + ((field["value"] as? String)?.count ?? 0)
            }
        }
        if total > 6000 { return json(.badRequest, ["message": "Invalid Form Body", "code": 50035, "errors": ["embeds": "too long"]]) }
        return nil
    }

    static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        FakeServer.json(status, object)
    }
}

/// A message the fake webhook holds, as last edited.
package struct FakeDiscordMessage: Sendable, Equatable {
    package var id: String
    /// The JSON body last sent for it.
    package var body: Data
    package var edits: Int
}
