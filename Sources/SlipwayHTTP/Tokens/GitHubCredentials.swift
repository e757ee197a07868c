package import SlipwayCore

/// What authenticates Slipway's GitHub API calls for one repository: a static token, or a GitHub
/// App's installation token (short-lived, per installation, refreshed by Slipway).
package protocol GitHubCredentials: Sendable {
    /// The `Authorization` header value for calls about `repository` (`OWNER/NAME`).
    func authorization(repository: String) async throws(GitHubAuthError) -> String
    /// GitHub answered 401 with what `authorization` gave: forget it, the next call fetches anew.
    func refused(repository: String) async
    /// The login comments are posted as, when the credentials know it (`<app-slug>[bot]`).
    func botLogin() async throws(GitHubAuthError) -> String?
    /// Whether a refused token can be replaced by a fresh one (worth one more try after a 401).
    var canRefresh: Bool { get }
    /// The `Authorization` header value for calls about `owner`'s repositories as a whole (listing
    /// them to expand `acme/*`); an empty `owner` means the App's configured installation.
    func authorization(owner: String) async throws(GitHubAuthError) -> String
    /// True for an App: `GET /installation/repositories` lists exactly what it may read.
    var listsInstallationRepositories: Bool { get }
}

/// A personal or fine-grained token from `sources.github.token`.
package struct StaticGitHubToken: GitHubCredentials {
    let token: Secret

    package init(_ token: Secret) {
        self.token = token
    }

    package func authorization(repository: String) async throws(GitHubAuthError) -> String { "Bearer \(token.revealed)" }
    package func refused(repository: String) async {}
    package func botLogin() async throws(GitHubAuthError) -> String? { nil }
    package var canRefresh: Bool { false }
    package func authorization(owner: String) async throws(GitHubAuthError) -> String { "Bearer \(token.revealed)" }
    package var listsInstallationRepositories: Bool { false }
}

/// Why GitHub App authentication failed, in words an operator can act on. Never carries a key,
/// a JWT or a token.
package enum GitHubAuthError: Error, CustomStringConvertible, Equatable {
    case http(step: String, status: Int, message: String, hint: String?)
    case transport(step: String, reason: String)
    case unexpectedAnswer(step: String)
    case signing(String)
    /// The config does not say enough to pick an installation.
    case unconfigured(String)

    package var description: String {
        switch self {
        case .http(let step, let status, let message, let hint):
            "GitHub App: \(step): HTTP \(status): \(message)" + (hint.map { ". \($0)" } ?? "")
        case .transport(let step, let reason): "GitHub App: \(step): \(reason)"
        case .unexpectedAnswer(let step): "GitHub App: \(step): GitHub's answer is not the documented JSON"
        case .signing(let reason): "GitHub App: cannot sign the app's JWT: \(reason)"
        case .unconfigured(let reason): "GitHub App: \(reason)"
        }
    }
}
