import Foundation
package import Logging
import NIOHTTP1
package import SlipwayCore

/// Posts a build's report to a Discord webhook from the `discord-message` template and edits
/// that same message as results change.
///
/// The first post uses `?wait=true`, without which Discord answers 204 and no message id; the id
/// is kept in the references and later changes `PATCH …/messages/{id}`. A 404 "Unknown Message"
/// posts a new message; a 404 "Unknown Webhook" means the webhook was deleted and is reported.
package struct DiscordNotifier: Notifier {
    package let name: String
    package let webhookURL: Secret
    package let username: String?
    package let template: String
    package let templates: TemplateRenderer
    let http: ServiceHTTP

    package init(
        name: String, webhookURL: Secret, username: String? = nil, template: String = "discord-message",
        templates: TemplateRenderer, http: ServiceHTTP
    ) {
        self.name = name
        self.webhookURL = webhookURL
        self.username = username
        self.template = template
        self.templates = templates
        self.http = http
    }

    package func publish(_ report: BuildReport, event: BuildEvent, references: any ReportReferences, logger: Logger) async throws {
        var message = DiscordMessage.fit(try templates.renderJSONObject(template, report), username: username)
        guard message["content"] != nil || message["embeds"] != nil else {
            throw ReportError.template(name: template, reason: "a Discord message needs \"content\" or \"embeds\"")
        }
        let base = Self.baseURL(webhookURL.revealed)
        if let id = try await references.value(for: "discord-message") {
            message["username"] = nil  // an edit cannot change the author
            guard let body = ServiceHTTP.encode(message) else { throw ReportError.template(name: template, reason: "not JSON") }
            let step = "edit the Discord message"
            let reply = try await http.send(.PATCH, "\(base)/messages/\(id)", json: body, step: step)
            if reply.status < 300 { return }
            guard reply.status == 404, reply.object?["code"] as? Int == 10008 else { throw Self.failure(reply, step: step) }
            logger.notice("the Discord message Slipway posted is gone; posting a new one", metadata: ["notification": "\(name)"])
            if let username { message["username"] = username }
        }
        guard let body = ServiceHTTP.encode(message) else { throw ReportError.template(name: template, reason: "not JSON") }
        let step = "post to the Discord webhook"
        let reply = try await http.send(.POST, "\(base)?wait=true", json: body, step: step)
        guard reply.status < 300 else { throw Self.failure(reply, step: step) }
        guard let id = reply.object?["id"] as? String else { throw ReportError.unexpectedResponse(step: step) }
        try await references.set(id, for: "discord-message")
    }

    /// The webhook URL without a query or trailing slash, so `?wait=true` and `/messages/…` append cleanly.
    static func baseURL(_ url: String) -> String {
        var base = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    static func failure(_ reply: ServiceHTTP.Reply, step: String) -> ReportError {
        let hint: String? =
            switch reply.status {
            case 401, 404: "the Discord webhook was deleted or its URL is wrong: create a new one and update the secret"
            case 400: "Discord refused the message; check the discord-message template against Discord's limits"
            default: nil
            }
        return .service(name: "Discord", step: step, status: reply.status, message: reply.message, hint: hint)
    }
}
