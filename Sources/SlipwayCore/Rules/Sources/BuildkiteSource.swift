/// Buildkite: the webhook token (plain `X-Buildkite-Token` or the HMAC key of `X-Buildkite-Signature`)
/// for intake, an API access token (scope `read_artifacts`) for artifacts.
package struct BuildkiteSource: Sendable, Equatable {
    /// The notification service's token: compared with `X-Buildkite-Token`, or the key of the signature.
    package var webhookToken: SecretReference
    /// Sent as `Authorization: Bearer <token>` to the REST API.
    package var token: SecretReference
    /// `https://api.buildkite.com/v2`.
    package var apiURL: String = "https://api.buildkite.com/v2"
    /// How far a signature's `timestamp` may be from now (Buildkite suggests 5 minutes).
    package var toleranceSeconds: Int = 300

    package init(webhookToken: SecretReference, token: SecretReference) {
        self.webhookToken = webhookToken
        self.token = token
    }
}
