package import AsyncHTTPClient
package import Foundation
package import Logging
package import SlipwayCore

/// Builds a `Notifier` for every declared notification that is not GitHub (GitHub statuses and
/// comments are posted by the server's reporter, which also needs the CI's commit). Secrets are
/// resolved here, once, at start-up.
package enum Notifiers {
    package static func make(
        _ notifications: [NotificationDefinition], environment: [String: String], baseDirectory: URL?,
        httpClient: HTTPClient, templates: TemplateRenderer?, logger: Logger
    ) throws -> [String: any Notifier] {
        let notifiers: [String: any Notifier] = [:]
        for notification in notifications {
            switch notification.settings {
            case .github:
                continue
            }
        }
        return notifiers
    }
}
