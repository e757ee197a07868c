/// CircleCI: the outbound webhook's signing secret for intake, a personal API token (`Circle-Token`)
/// for artifacts.
package struct CircleCISource: Sendable, Equatable {
    /// Key of `circleci-signature: v1=<hex HMAC-SHA256(body)>`.
    package var webhookSecret: SecretReference
    /// Sent as `Circle-Token` to API v2 and to the artifact download hosts.
    package var token: SecretReference
    /// `https://circleci.com/api/v2` (or a CircleCI server's `https://HOST/api/v2`).
    package var apiURL: String = "https://circleci.com/api/v2"
    /// Hosts (and their subdomains) artifact download URLs may point at besides the API host; the
    /// token is sent only there, so a tampered listing cannot lift it.
    package var artifactHosts: [String] = ["circle-artifacts.com"]
    /// Project slugs (`gh/acme/app`) reconciliation lists pipelines of: CircleCI's API cannot list
    /// an organization's projects.
    package var projects: [String] = []

    package init(webhookSecret: SecretReference, token: SecretReference) {
        self.webhookSecret = webhookSecret
        self.token = token
    }
}
