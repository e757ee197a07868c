package import AsyncHTTPClient
package import Foundation
package import Logging
package import SlipwayCore

/// Builds a `Notifier` for every declared notification that is not GitHub (GitHub statuses and
/// comments are posted by the server's reporter, which also needs the CI's commit). Secrets are
/// resolved here, once, at start-up, and each notification's template must exist.
package enum Notifiers {
    package static func make(
        _ notifications: [NotificationDefinition], environment: [String: String], baseDirectory: URL?,
        httpClient: HTTPClient, templates: TemplateRenderer?, logger: Logger
    ) throws -> [String: any Notifier] {
        var notifiers: [String: any Notifier] = [:]
        for notification in notifications {
            let name = notification.name
            func secret(_ reference: SecretReference, _ field: String) throws(NotifierSetupError) -> Secret {
                do {
                    return try reference.resolve(environment: environment, baseDirectory: baseDirectory)
                } catch {
                    throw .secret(notification: name, field: field, reason: error.description)
                }
            }
            func template(_ file: String) throws(NotifierSetupError) -> TemplateRenderer {
                guard let templates else { throw .noTemplates(notification: name) }
                guard templates.has(file) else {
                    throw .templateMissing(notification: name, template: file, directory: templates.directory?.path ?? "the built-in templates")
                }
                return templates
            }
            func http(_ service: String) -> ServiceHTTP {
                ServiceHTTP(service: service, httpClient: httpClient, logger: logger)
            }
            switch notification.settings {
            case .github:
                continue
            case .gitlab(let settings):
                let renderer = try template(settings.template)
                let api = GitLabAPI(
                    httpClient: httpClient, apiURL: settings.apiURL, token: try secret(settings.token, "token"), logger: logger)
                notifiers[name] = GitLabNotifier(name: name, settings: settings, api: api, templates: renderer)
            case .slack(let settings):
                let renderer = try template(settings.template)
                let target: SlackNotifier.Target =
                    switch settings.delivery {
                    case .webhook(let url): .webhook(url: try secret(url, "webhook_url"))
                    case .bot(let token, let channel): .bot(token: try secret(token, "token"), channel: channel)
                    }
                notifiers[name] = SlackNotifier(
                    name: name, target: target, apiURL: settings.apiURL, template: settings.template, templates: renderer,
                    http: http("Slack"))
            case .teams(let settings):
                notifiers[name] = TeamsNotifier(
                    name: name, webhookURL: try secret(settings.webhookURL, "webhook_url"), payload: settings.payload,
                    template: settings.template, templates: try template(settings.template), http: http("Teams"))
            case .discord(let settings):
                notifiers[name] = DiscordNotifier(
                    name: name, webhookURL: try secret(settings.webhookURL, "webhook_url"), username: settings.username,
                    template: settings.template, templates: try template(settings.template), http: http("Discord"))
            }
        }
        return notifiers
    }
}

/// Why a notification cannot be set up at start-up. Names the notification and field, never a value.
package enum NotifierSetupError: Error, CustomStringConvertible, Equatable {
    case secret(notification: String, field: String, reason: String)
    case noTemplates(notification: String)
    case templateMissing(notification: String, template: String, directory: String)

    package var description: String {
        switch self {
        case .secret(let notification, let field, let reason):
            "notification \"\(notification)\" \(field): \(reason)"
        case .noTemplates(let notification):
            "notification \"\(notification)\" renders its messages from templates, but no templates folder was found: set server.templates or copy templates/ next to the config"
        case .templateMissing(let notification, let template, let directory):
            "notification \"\(notification)\" template: \(template).mustache is not in \(directory)"
        }
    }
}
