/// A Slack channel, reached by an incoming webhook (posts only: a webhook message cannot be
/// edited) or by a bot token (`chat.postMessage`, then `chat.update` of the same message).
package struct SlackNotificationSettings: Sendable, Equatable {
    package enum Delivery: Sendable, Equatable {
        /// The webhook URL is the credential, so it is a secret reference.
        case webhook(url: SecretReference)
        /// A bot token (`xoxb-…`, scope `chat:write`) and the channel id to post in.
        case bot(token: SecretReference, channel: String)
    }

    package var delivery: Delivery
    /// Web API base; tests point it at a fake.
    package var apiURL: String = "https://slack.com/api"
    /// Template producing Block Kit JSON (`{"text": …, "blocks": […]}`).
    package var template: String = "slack-message"

    package init(delivery: Delivery) {
        self.delivery = delivery
    }
}
