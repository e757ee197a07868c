/// GitLab (gitlab.com or self-managed): the webhook's secret token for intake, an access token for
/// the job artifacts API.
package struct GitLabSource: Sendable, Equatable {
    /// Compared in constant time with `X-Gitlab-Token`, which GitLab sends in plain text.
    package var webhookToken: SecretReference
    /// GitLab ≥ 19 signing token (`whsec_…`): when set, calls must carry a valid Standard Webhooks
    /// `webhook-signature`; a call carrying one is checked against it even when the token also matches.
    package var signingToken: SecretReference?
    /// `PRIVATE-TOKEN` for `GET /projects/:id/jobs/:job_id/artifacts` (scope `read_api`).
    package var token: SecretReference
    /// `https://gitlab.com/api/v4`, or `https://HOST/api/v4` for a self-managed instance.
    package var apiURL: String = "https://gitlab.com/api/v4"
    /// How far a signed call's `webhook-timestamp` may be from now.
    package var toleranceSeconds: Int = 300

    package init(webhookToken: SecretReference, signingToken: SecretReference? = nil, token: SecretReference) {
        self.webhookToken = webhookToken
        self.signingToken = signingToken
        self.token = token
    }
}
