import Foundation
package import Logging
import NIOHTTP1
package import SlipwayCore

/// Posts a build's report to Slack from the `slack-message` template (Block Kit JSON).
///
/// - With a bot token: `chat.postMessage` once, then `chat.update` of the same message (its
///   channel and `ts` are kept in the references) at every change.
/// - With an incoming webhook: webhook messages cannot be edited, so a message is posted only
///   when the settled outcome changes (no store queued or uploading, and a store state differs
///   from the last message), not at every progress step.
///
/// Slack answers some failures with HTTP 200 and `{"ok": false, "error": …}`: the body decides.
package struct SlackNotifier: Notifier {
    package enum Target: Sendable {
        case webhook(url: Secret)
        case bot(token: Secret, channel: String)
    }

    package let name: String
    package let target: Target
    package let apiURL: String
    package let template: String
    package let templates: TemplateRenderer
    let http: ServiceHTTP

    package init(
        name: String, target: Target, apiURL: String = "https://slack.com/api", template: String = "slack-message",
        templates: TemplateRenderer, http: ServiceHTTP
    ) {
        self.name = name
        self.target = target
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.template = template
        self.templates = templates
        self.http = http
    }

    package func publish(_ report: BuildReport, event: BuildEvent, references: any ReportReferences, logger: Logger) async throws {
        let message = SlackMessage.fit(try templates.renderJSONObject(template, report), fallback: report.headline)
        switch target {
        case .webhook(let url):
            guard let settled = report.settledFingerprint,
                try await references.value(for: "slack-posted") != settled
            else { return }
            try await postWebhook(url: url, message: message)
            try await references.set(settled, for: "slack-posted")
        case .bot(let token, let channel):
            if let ts = try await references.value(for: "slack-ts") {
                let postedChannel = try await references.value(for: "slack-channel") ?? channel
                var changed = message
                changed["channel"] = postedChannel
                changed["ts"] = ts
                if try await update(changed, token: token) { return }
                logger.notice("the Slack message Slipway posted is gone; posting a new one", metadata: ["notification": "\(name)"])
            }
            var post = message
            post["channel"] = channel
            let answer = try await callWebAPI("chat.postMessage", post, token: token)
            guard let ts = answer["ts"] as? String else { throw ReportError.unexpectedResponse(step: "Slack chat.postMessage") }
            try await references.set((answer["channel"] as? String) ?? channel, for: "slack-channel")
            try await references.set(ts, for: "slack-ts")
        }
    }

    /// `chat.update`; false when Slack no longer has the message (deleted by someone).
    private func update(_ body: [String: Any], token: Secret) async throws(ReportError) -> Bool {
        do {
            _ = try await callWebAPI("chat.update", body, token: token)
            return true
        } catch {
            if case .service(_, _, _, "message_not_found", _) = error { return false }
            throw error
        }
    }

    /// A Web API method; returns its JSON answer when `ok` is true.
    private func callWebAPI(_ method: String, _ body: [String: Any], token: Secret) async throws(ReportError) -> [String: Any] {
        guard let data = ServiceHTTP.encode(body) else { throw .template(name: template, reason: "the message is not JSON") }
        let reply = try await http.send(
            .POST, "\(apiURL)/\(method)", headers: [("Authorization", "Bearer \(token.revealed)")], json: data, step: method)
        guard reply.status < 300 else {
            throw .service(name: "Slack", step: method, status: reply.status, message: reply.message, hint: nil)
        }
        guard let object = reply.object else { throw .unexpectedResponse(step: "Slack \(method)") }
        guard object["ok"] as? Bool == true else {
            let error = object["error"] as? String ?? "ok: false without an error"
            throw .service(name: "Slack", step: method, status: reply.status, message: error, hint: Self.hint(error))
        }
        return object
    }

    private func postWebhook(url: Secret, message: [String: Any]) async throws(ReportError) {
        guard let data = ServiceHTTP.encode(message) else { throw .template(name: template, reason: "the message is not JSON") }
        let step = "post to the incoming webhook"
        let reply = try await http.send(.POST, url.revealed, json: data, step: step)
        guard reply.status < 300 else {
            throw .service(name: "Slack", step: step, status: reply.status, message: reply.message, hint: Self.hint(reply.message))
        }
    }

    /// What to do about Slack's error codes that a configuration change fixes.
    static func hint(_ error: String) -> String? {
        switch error {
        case "not_in_channel": "invite the Slack app to the channel (/invite @app) or give it chat:write.public"
        case "channel_not_found": "check the channel id (C…), and that the app can see the channel"
        case "invalid_auth", "not_authed", "token_revoked", "account_inactive": "the Slack bot token is invalid or revoked"
        case "missing_scope": "add the chat:write scope to the Slack app and reinstall it"
        case "invalid_blocks", "invalid_blocks_format", "invalid_payload", "msg_blocks_too_long":
            "the slack-message template produced blocks Slack refuses; check it with the Block Kit Builder"
        case "channel_is_archived", "is_archived": "the channel is archived; point the notification at another one"
        case "no_service", "no_service_id", "no_team", "invalid_token": "the incoming webhook was removed; create a new one"
        default: nil
        }
    }
}
