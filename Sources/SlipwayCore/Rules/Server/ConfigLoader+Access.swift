import Yams

extension ConfigLoader {
    static func readAccess(_ node: Node, into settings: inout AccessSettings, reader: inout YAMLNodeReader) {
        guard let fields = reader.entries(node, in: "server.access", allowed: ConfigKeys.access) else { return }
        if let n = fields["api_tokens"]?.value {
            if case .sequence(let items) = n {
                for item in items {
                    if let reference = reader.secretReference(item, "server.access.api_tokens entry") {
                        settings.apiTokens.append(reference)
                    }
                }
            } else if let reference = reader.secretReference(n, "server.access.api_tokens") {
                settings.apiTokens.append(reference)
            }
        }
        if let n = fields["session_key"]?.value, let v = reader.secretReference(n, "server.access.session_key") {
            settings.sessionKey = v
        }
        if let n = fields["session_hours"]?.value, let v = reader.int(n, "server.access.session_hours", range: 1...720) {
            settings.sessionHours = v
        }
        if let github = fields["github"] {
            settings.github = readGitHubSignIn(github.value, reader: &reader)
        }
    }

    private static func readGitHubSignIn(_ node: Node, reader: inout YAMLNodeReader) -> GitHubSignIn? {
        let what = "server.access.github"
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.gitHubSignIn) else { return nil }
        let id = require(fields, "client_id", in: what, at: node, reader: &reader).flatMap { reader.string($0, "\(what).client_id") }
        let secret = require(fields, "client_secret", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).client_secret") }
        guard let id, let secret else { return nil }
        var signIn = GitHubSignIn(clientID: id, clientSecret: secret)
        if let n = fields["web_url"]?.value, let v = reader.url(n, "\(what).web_url") { signIn.webURL = trimmedSlash(v) }
        if let n = fields["api_url"]?.value, let v = reader.url(n, "\(what).api_url") { signIn.apiURL = trimmedSlash(v) }
        if let n = fields["allowed_users"]?.value, let v = reader.stringList(n, "\(what).allowed_users") {
            signIn.allowedUsers = v.map { $0.0.lowercased() }
        }
        if let n = fields["allowed_orgs"]?.value, let v = reader.stringList(n, "\(what).allowed_orgs") {
            signIn.allowedOrgs = v.map { $0.0.lowercased() }
        }
        if let n = fields["allowed_teams"]?.value, let v = reader.stringList(n, "\(what).allowed_teams") {
            for (team, teamNode) in v {
                let parts = team.split(separator: "/")
                if parts.count == 2 {
                    signIn.allowedTeams.append(team.lowercased())
                } else {
                    reader.error(teamNode, "\(what).allowed_teams entry \"\(team)\" must be ORG/TEAM-SLUG, like acme/release-managers")
                }
            }
        }
        if signIn.allowedUsers.isEmpty && signIn.allowedOrgs.isEmpty && signIn.allowedTeams.isEmpty {
            reader.error(
                node,
                "\(what) lets nobody in: list at least one of allowed_users, allowed_orgs or allowed_teams (any GitHub account could sign in otherwise)")
        }
        return signIn
    }

    static func readDashboard(_ node: Node, into settings: inout AccessSettings, reader: inout YAMLNodeReader) {
        guard let fields = reader.entries(node, in: "server.dashboard", allowed: ConfigKeys.dashboard) else { return }
        if let n = fields["public"]?.value, let v = reader.bool(n, "server.dashboard.public") {
            settings.dashboardIsPublic = v
            settings.publicLine = n.mark?.line
        }
    }

    static func readOutbound(_ node: Node, reader: inout YAMLNodeReader) -> OutboundSettings {
        var settings = OutboundSettings()
        guard let fields = reader.entries(node, in: "server.outbound", allowed: ConfigKeys.outbound) else {
            return settings
        }
        if let n = fields["allow_private_networks"]?.value {
            settings.allowPrivateNetworks = readNetworks(n, "server.outbound.allow_private_networks", reader: &reader)
        }
        return settings
    }

    /// A list of CIDR blocks; each entry that is not one is reported at its line.
    static func readNetworks(_ node: Node, _ what: String, reader: inout YAMLNodeReader) -> [NetworkRange] {
        guard let values = reader.stringList(node, what) else { return [] }
        var ranges: [NetworkRange] = []
        for (text, item) in values {
            if let range = NetworkRange(text) {
                ranges.append(range)
            } else {
                reader.error(
                    item, "\(what) entry \"\(text)\" is not a network; write a CIDR block like 10.20.0.0/16, 127.0.0.1/32 or fd00::/8")
            }
        }
        return ranges
    }

    static func readPolling(_ node: Node, reader: inout YAMLNodeReader) -> PollingSettings {
        var settings = PollingSettings()
        guard let fields = reader.entries(node, in: "server.polling", allowed: ConfigKeys.polling) else { return settings }
        if let n = fields["first_delay_seconds"]?.value, let v = reader.int(n, "server.polling.first_delay_seconds", range: 1...86_400) {
            settings.firstDelaySeconds = v
        }
        if let n = fields["max_delay_seconds"]?.value, let v = reader.int(n, "server.polling.max_delay_seconds", range: 1...604_800) {
            settings.maxDelaySeconds = v
        }
        if let n = fields["max_rounds"]?.value, let v = reader.int(n, "server.polling.max_rounds", range: 1...1000) {
            settings.maxRounds = v
        }
        if settings.maxDelaySeconds < settings.firstDelaySeconds {
            reader.error(node, "server.polling.max_delay_seconds (\(settings.maxDelaySeconds)) is below first_delay_seconds (\(settings.firstDelaySeconds)); make it at least as long")
        }
        return settings
    }

    static func readRetry(_ node: Node, reader: inout YAMLNodeReader) -> RetrySettings {
        var settings = RetrySettings()
        guard let fields = reader.entries(node, in: "server.retry", allowed: ConfigKeys.retry) else { return settings }
        if let n = fields["max_attempts"]?.value, let v = reader.int(n, "server.retry.max_attempts", range: 1...100) {
            settings.maxAttempts = v
        }
        if let n = fields["first_delay_seconds"]?.value, let v = reader.int(n, "server.retry.first_delay_seconds", range: 1...86_400) {
            settings.firstDelaySeconds = v
        }
        if let n = fields["max_delay_seconds"]?.value, let v = reader.int(n, "server.retry.max_delay_seconds", range: 1...604_800) {
            settings.maxDelaySeconds = v
        }
        if settings.maxDelaySeconds < settings.firstDelaySeconds {
            reader.error(node, "server.retry.max_delay_seconds (\(settings.maxDelaySeconds)) is below first_delay_seconds (\(settings.firstDelaySeconds)); make it at least as long")
        }
        return settings
    }

    static func readReconcile(_ node: Node, reader: inout YAMLNodeReader) -> ReconcileSettings {
        var settings = ReconcileSettings()
        guard let fields = reader.entries(node, in: "server.reconcile", allowed: ConfigKeys.reconcile) else { return settings }
        if let n = fields["interval_seconds"]?.value, let v = reader.int(n, "server.reconcile.interval_seconds", range: 0...86_400) {
            if v > 0 && v < 30 {
                reader.error(n, "server.reconcile.interval_seconds \(v) would spend the CI's API rate limit; write 0 (off) or at least 30")
            }
            settings.intervalSeconds = v
        }
        if let n = fields["lookback_hours"]?.value, let v = reader.int(n, "server.reconcile.lookback_hours", range: 1...720) {
            settings.lookbackHours = v
        }
        if let n = fields["grace_seconds"]?.value, let v = reader.int(n, "server.reconcile.grace_seconds", range: 0...3600) {
            settings.graceSeconds = v
        }
        return settings
    }

    static func trimmedSlash(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
