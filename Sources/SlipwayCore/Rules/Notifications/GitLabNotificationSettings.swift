/// Commit statuses (one `name` per store) and one merge-request note per build on GitLab.com or a
/// self-managed GitLab. The token is a secret reference, resolved at start-up.
package struct GitLabNotificationSettings: Sendable, Equatable {
    /// A personal, project or group access token with the `api` scope (sent as `PRIVATE-TOKEN`).
    package var token: SecretReference
    /// REST base including `/api/v4`; self-managed instances set their own.
    package var apiURL: String = "https://gitlab.com/api/v4"
    /// Project id or `group/project` path; defaults to the build's repository.
    package var project: String?
    package var commitStatus: Bool = true
    package var mergeRequestNote: Bool = true
    /// Prefix of status names: `slipway/<store>`.
    package var statusName: String = "slipway"
    /// Template file (under the templates folder) for the MR note.
    package var template: String = "gitlab-mr-note"

    package init(token: SecretReference) {
        self.token = token
    }
}
