/// Who may read the dashboard, the JSON API and `/metrics` (`server.access` and
/// `server.dashboard`). Webhooks and health checks are public whatever this says.
package struct AccessSettings: Sendable, Equatable {
    /// `Authorization: Bearer` tokens for `/api/*` and `/metrics`, also accepted on the login page.
    /// Several, so one can be rotated while the other still works.
    package var apiTokens: [SecretReference] = []
    /// Signs session cookies. Without it a key is generated once and kept in the job store, so
    /// every replica shares it.
    package var sessionKey: SecretReference?
    /// How long a dashboard sign-in lasts.
    package var sessionHours: Int = 12
    /// Sign in with GitHub (OAuth web flow).
    package var github: GitHubSignIn?
    /// `server.dashboard.public: true`: the explicit opt-out, everything readable without credentials.
    package var dashboardIsPublic = false
    /// Line of `server.dashboard.public`, for the warning `validate` prints.
    package var publicLine: Int?

    package init() {}

    /// True when some credential can open the protected routes.
    package var hasCredentials: Bool { !apiTokens.isEmpty || github != nil }
}

/// GitHub sign-in for the dashboard, restricted to users, organisation members or team members.
package struct GitHubSignIn: Sendable, Equatable {
    package var clientID: String
    package var clientSecret: SecretReference
    /// `https://github.com`, or `https://HOST` for GitHub Enterprise Server (the authorize and token pages).
    package var webURL: String = "https://github.com"
    /// `https://api.github.com`, or `https://HOST/api/v3`.
    package var apiURL: String = "https://api.github.com"
    package var allowedUsers: [String] = []
    package var allowedOrgs: [String] = []
    /// `org/team-slug`.
    package var allowedTeams: [String] = []

    package init(clientID: String, clientSecret: SecretReference) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}

/// `server.polling`: when a store still waiting (an approval, processing) is checked again —
/// `first_delay_seconds`, doubling up to `max_delay_seconds`, at most `max_rounds` checks.
package struct PollingSettings: Sendable, Equatable {
    package var firstDelaySeconds = 60
    package var maxDelaySeconds = 7200
    package var maxRounds = 40

    package init() {}
}

/// `server.retry`: when a delivery whose store or artifact host failed with a retryable error
/// (5xx, 429, a broken connection) runs again — `first_delay_seconds`, doubling up to
/// `max_delay_seconds` — and after how many attempts such a store is reported as failed.
package struct RetrySettings: Sendable, Equatable {
    package var maxAttempts = 6
    package var firstDelaySeconds = 30
    package var maxDelaySeconds = 1800

    package init() {}
}

/// `server.reconcile`: how often Slipway asks each CI for finished builds it never got a webhook
/// for, and how far back. `interval_seconds: 0` turns it off.
package struct ReconcileSettings: Sendable, Equatable {
    package var intervalSeconds = 300
    package var lookbackHours = 24
    /// A build finished less than this long ago is left to its webhook, which is likely on its way.
    package var graceSeconds = 120

    package init() {}

    package var isEnabled: Bool { intervalSeconds > 0 }
}

/// `server.outbound`: what URLs named by webhooks, CIs, stores and redirects may reach.
package struct OutboundSettings: Sendable, Equatable {
    /// Private or reserved ranges the operator allows (on-prem artifact servers, loopback fakes).
    package var allowPrivateNetworks: [NetworkRange] = []

    package init() {}
}

/// `server.admin_listen: HOST:PORT`: a second listener for dashboard, API and metrics, which the
/// public port then no longer serves.
package struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:9090`, `[::1]:9090` or `:9090` (loopback).
    package init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "127.0.0.1" : host
        self.port = port
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
