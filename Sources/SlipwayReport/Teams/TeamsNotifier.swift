import Foundation
package import Logging
import NIOHTTP1
package import SlipwayCore

/// Posts an Adaptive Card (from the `teams-card` template) to a Teams Workflows webhook.
///
/// Workflows messages cannot be edited, so a card is posted only when the settled outcome
/// changes (see `BuildReport.settledFingerprint`). Workflows accepts any body with 202 and fails
/// later inside the flow, so the card is checked here: it must parse and be an `AdaptiveCard`.
package struct TeamsNotifier: Notifier {
    package let name: String
    package let webhookURL: Secret
    package let payload: TeamsNotificationSettings.Payload
    package let template: String
    package let templates: TemplateRenderer
    let http: ServiceHTTP

    /// Teams refuses messages above about 28 KB ("Request Entity too large").
    package static let sizeLimit = 28_000

    package init(
        name: String, webhookURL: Secret, payload: TeamsNotificationSettings.Payload = .message,
        template: String = "teams-card", templates: TemplateRenderer, http: ServiceHTTP
    ) {
        self.name = name
        self.webhookURL = webhookURL
        self.payload = payload
        self.template = template
        self.templates = templates
        self.http = http
    }

    package func publish(_ report: BuildReport, event: BuildEvent, references: any ReportReferences, logger: Logger) async throws {
        guard let settled = report.settledFingerprint, try await references.value(for: "teams-posted") != settled else { return }
        let card = try templates.renderJSONObject(template, report)
        guard card["type"] as? String == "AdaptiveCard" else {
            throw ReportError.template(name: template, reason: "the card's \"type\" must be \"AdaptiveCard\"")
        }
        guard let body = Self.message(card: card, payload: payload) else {
            throw ReportError.template(name: template, reason: "the card is not JSON")
        }
        let step = "post to the Workflows webhook"
        let reply = try await http.send(.POST, webhookURL.revealed, json: body, step: step)
        // The retired connectors reported throttling as HTTP 200 with this text; some flows still do.
        if reply.status >= 300 || reply.message.contains("HTTP error 429") {
            throw ReportError.service(
                name: "Teams", step: step, status: reply.status, message: reply.message,
                hint: reply.status == 404 || reply.status == 401
                    ? "the Workflows URL is wrong or the flow was deleted or turned off; copy the URL from the flow's trigger again" : nil)
        }
        try await references.set(settled, for: "teams-posted")
    }

    /// The request body: the card in `attachments[]` (what the Workflows template loops over) or
    /// bare, cut to `sizeLimit` by dropping the last body elements and saying so.
    static func message(card: [String: Any], payload: TeamsNotificationSettings.Payload) -> Data? {
        var card = card
        while true {
            let object: [String: Any] =
                switch payload {
                case .card: card
                case .message:
                    [
                        "type": "message",
                        "attachments": [
                            ["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": NSNull(), "content": card]
                        ],
                    ]
                }
            guard let data = ServiceHTTP.encode(object) else { return nil }
            guard data.count > sizeLimit, var body = card["body"] as? [Any], body.count > 1 else { return data }
            if (body.last as? [String: Any])?["id"] as? String == "slipway-cut" { body.removeLast() }
            body.removeLast()
            body.append([
                "type": "TextBlock", "id": "slipway-cut", "wrap": true, "isSubtle": true,
                "text": "… more on the Slipway dashboard",
            ])
            card["body"] = body
        }
    }
}
