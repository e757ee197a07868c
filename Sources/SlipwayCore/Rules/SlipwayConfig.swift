package import Foundation

/// A validated Slipway config file: where the server listens, which CI sources it trusts, which
/// stores and notification targets exist, and the rules that route builds to them.
///
/// Built only by `ConfigLoader`, so code that holds one may rely on every cross-reference being valid.
package struct SlipwayConfig: Sendable {
    package var file: String
    package var server: ServerSettings
    package var sources: SourceSettings
    package var stores: [StoreDefinition]
    package var notifications: [NotificationDefinition]
    package var rules: [RoutingRule]
    /// `repo_rules:`: repositories that may add rules from a file of their own.
    package var repositoryRules: [RepositoryRulesPolicy] = []

    package func store(named name: String) -> StoreDefinition? {
        stores.first { $0.name == name }
    }

    package func notification(named name: String) -> NotificationDefinition? {
        notifications.first { $0.name == name }
    }

    /// The folder the config file sits in; relative `file:` references and `templates` resolve from it.
    package var baseDirectory: URL {
        URL(fileURLWithPath: file).deletingLastPathComponent()
    }
}

/// The `server:` section. Every field has a default so a config may leave the section out.
package struct ServerSettings: Sendable, Equatable {
    package var host: String = "127.0.0.1"
    package var port: Int = 8080
    /// The address people reach Slipway at; used for dashboard links in statuses and comments.
    package var publicURL: String?
    /// `sqlite:PATH` (default `sqlite:slipway.db`) or `postgres://user@host:port/db`.
    package var database: String = "sqlite:slipway.db"
    /// Where downloaded artifacts are kept while their delivery runs.
    package var dataDirectory: String = "slipway-data"
    /// Webhook bodies above this size are refused with 413 (GitHub and GitLab send at most 25 MB).
    package var maxWebhookBytes: Int = 25 * 1024 * 1024
    /// Deliveries processed at once by this replica.
    package var workers: Int = 2
    /// How long SIGTERM waits for running deliveries before abandoning them (resumed on the next start).
    package var shutdownGraceSeconds: Int = 60
    /// Finished deliveries older than this many days are deleted (0 keeps them forever).
    package var retentionDays: Int = 90
    /// Folder of Mustache templates overriding the built-in ones.
    package var templatesDirectory: String?
    /// Who may see the dashboard, API and metrics.
    package var access = AccessSettings()
    /// A second listener for dashboard, API and metrics (the public port then serves only webhooks and health).
    package var adminListen: ListenAddress?
    /// What external URLs may reach.
    package var outbound = OutboundSettings()
    /// Reverse proxies whose `X-Forwarded-For` names the real client (for the per-address failure limit).
    package var trustedProxies: [NetworkRange] = []
    /// How long store states that take a while (approvals, processing) are checked again.
    package var polling = PollingSettings()
    package var retry = RetrySettings()
    package var reconcile = ReconcileSettings()

    package init() {}
}

/// Which CI systems may call Slipway, and how their calls are verified.
package struct SourceSettings: Sendable, Equatable {
    package var github: GitHubSource?
    package var generic: GenericSource?
    package var gitlab: GitLabSource?
    package var bitrise: BitriseSource?
    package var buildkite: BuildkiteSource?
    package var circleci: CircleCISource?

    package init(
        github: GitHubSource? = nil, generic: GenericSource? = nil, gitlab: GitLabSource? = nil,
        bitrise: BitriseSource? = nil, buildkite: BuildkiteSource? = nil, circleci: CircleCISource? = nil
    ) {
        self.github = github
        self.generic = generic
        self.gitlab = gitlab
        self.bitrise = bitrise
        self.buildkite = buildkite
        self.circleci = circleci
    }
}

/// GitHub (github.com or GitHub Enterprise Server): webhook secret for intake, token for the
/// artifacts API, statuses and PR comments.
package struct GitHubSource: Sendable, Equatable {
    package var webhookSecret: SecretReference
    /// A token (personal or fine-grained) — or `app`: exactly one of the two is set.
    package var token: SecretReference?
    /// GitHub App authentication: installation tokens Slipway fetches and renews itself.
    package var app: GitHubAppSettings?
    /// `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    package var apiURL: String = "https://api.github.com"
    /// The token's own login (`my-app[bot]`). Needed for GitHub App installation tokens, which
    /// cannot call `GET /user`; Slipway finds its PR comment by marker *and* this author.
    package var login: String?

    package init(webhookSecret: SecretReference, token: SecretReference?) {
        self.webhookSecret = webhookSecret
        self.token = token
    }
}

/// `sources.github.app`: the App's id and private key (PEM), and optionally its installation.
package struct GitHubAppSettings: Sendable, Equatable {
    package var appID: Int
    package var privateKey: SecretReference
    /// Without it the installation is found per repository (`GET /repos/{o}/{r}/installation`).
    package var installationID: Int64?

    package init(appID: Int, privateKey: SecretReference, installationID: Int64? = nil) {
        self.appID = appID
        self.privateKey = privateKey
        self.installationID = installationID
    }
}

/// The generic signed hook: Standard Webhooks signing (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64>`), secret `whsec_<base64>`.
package struct GenericSource: Sendable, Equatable {
    package var secret: SecretReference
    /// How far `webhook-timestamp` may be from now before the call counts as a replay.
    package var toleranceSeconds: Int = 300
    /// Hosts `artifact_url` may point at (empty: any). Guards against a leaked secret turning
    /// Slipway into a fetcher of internal URLs.
    package var allowedArtifactHosts: [String] = []
}
