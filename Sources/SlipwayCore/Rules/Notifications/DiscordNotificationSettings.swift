/// A Discord channel webhook. The message is posted with `?wait=true` to learn its id, then
/// edited in place as results change.
package struct DiscordNotificationSettings: Sendable, Equatable {
    /// `https://discord.com/api/webhooks/{id}/{token}`: the token is in the URL, so it is a secret reference.
    package var webhookURL: SecretReference
    /// Overrides the webhook's display name.
    package var username: String?
    /// Template producing the message JSON (`content`, `embeds`).
    package var template: String = "discord-message"

    package init(webhookURL: SecretReference) {
        self.webhookURL = webhookURL
    }
}
