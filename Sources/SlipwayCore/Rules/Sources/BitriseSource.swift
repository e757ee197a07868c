/// Bitrise: Bitrise does not sign its outgoing webhooks, so Slipway asks for a shared secret in a
/// custom header (`X-Slipway-Token`, added under the webhook's "Custom headers"); a personal access
/// token reads the build (for its commit SHA) and its artifacts.
package struct BitriseSource: Sendable, Equatable {
    /// Compared in constant time with the `X-Slipway-Token` header of every call.
    package var webhookSecret: SecretReference
    /// Sent as `Authorization: <token>` (no `Bearer`) to the Bitrise API.
    package var token: SecretReference
    /// `https://api.bitrise.io/v0.1`.
    package var apiURL: String = "https://api.bitrise.io/v0.1"
    /// Where a build's page lives: `{app_url}/build/{slug}`.
    package var appURL: String = "https://app.bitrise.io"
    /// App slug → repository name the rules match (`acme/app`). The payload names no repository.
    /// When non-empty, builds of apps not listed are ignored; when empty, the app slug is the repository.
    package var apps: [String: String] = [:]

    package init(webhookSecret: SecretReference, token: SecretReference) {
        self.webhookSecret = webhookSecret
        self.token = token
    }
}
