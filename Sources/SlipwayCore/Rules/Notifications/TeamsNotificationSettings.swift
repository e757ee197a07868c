/// A Microsoft Teams channel through a Workflows ("Post to a channel when a webhook request is
/// received") URL. Office 365 connectors are retired, so only Workflows URLs are supported.
package struct TeamsNotificationSettings: Sendable, Equatable {
    /// What the flow expects: the default Workflows template loops over `attachments`, some
    /// custom flows take the bare Adaptive Card.
    package enum Payload: String, Sendable, Equatable, CaseIterable {
        case message, card
    }

    /// The URL carries its `sig=` credential, so it is a secret reference.
    package var webhookURL: SecretReference
    package var payload: Payload = .message
    /// Template producing the Adaptive Card JSON.
    package var template: String = "teams-card"

    package init(webhookURL: SecretReference) {
        self.webhookURL = webhookURL
    }
}
