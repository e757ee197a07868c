import Foundation
import Testing

@testable import SlipwayCore

/// `server.access`, `server.dashboard`, `server.admin_listen`, `server.outbound`, `server.polling`
/// and `server.trusted_proxies`: read into settings, or refused at their line with what to write.
@Suite("Server settings: access, outbound, polling")
struct ServerSettingsTests {
    /// `validConfig` with `lines` (2-space indented, under `server:`) added after `port: 9090`.
    func config(_ lines: String) -> String {
        validConfig.replacingOccurrences(of: "  port: 9090\n", with: "  port: 9090\n" + lines + "\n")
    }

    func diagnostics(_ yaml: String) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "slipway.yml")
            return []
        } catch {
            guard case .invalid(let list) = error else { return [] }
            return list
        }
    }

    @Test func everyAccessKeyIsRead() throws {
        let loaded = try ConfigLoader.parse(
            yaml: config(
                """
                  access:
                    api_tokens: ["${TOKEN_A}", "file:/etc/slipway/token-b"]
                    session_key: ${SESSION_KEY}
                    session_hours: 8
                    github:
                      client_id: Iv1.abc
                      client_secret: ${OAUTH_SECRET}
                      web_url: https://github.example.com/
                      api_url: https://github.example.com/api/v3
                      allowed_users: [OctoCat]
                      allowed_orgs: [acme]
                      allowed_teams: [acme/Release]
                  dashboard:
                    public: true
                  admin_listen: "[::1]:9091"
                  outbound:
                    allow_private_networks: [10.20.0.0/16, "fd00::/8"]
                  trusted_proxies: [10.0.0.5/32]
                  polling:
                    first_delay_seconds: 2
                    max_delay_seconds: 10
                    max_rounds: 5
                """), file: "slipway.yml")
        let server = loaded.server
        #expect(server.access.apiTokens == [.environment("TOKEN_A"), .file("/etc/slipway/token-b")])
        #expect(server.access.sessionKey == .environment("SESSION_KEY"))
        #expect(server.access.sessionHours == 8)
        let github = try #require(server.access.github)
        #expect(github.webURL == "https://github.example.com")
        #expect(github.allowedUsers == ["octocat"] && github.allowedOrgs == ["acme"] && github.allowedTeams == ["acme/release"])
        #expect(server.access.dashboardIsPublic && server.access.publicLine == 17)
        #expect(server.adminListen == ListenAddress(host: "::1", port: 9091))
        #expect(server.outbound.allowPrivateNetworks.map(\.description) == ["10.20.0.0/16", "fd00::/8"])
        #expect(server.trustedProxies.map(\.description) == ["10.0.0.5/32"])
        #expect(server.polling.firstDelaySeconds == 2 && server.polling.maxDelaySeconds == 10 && server.polling.maxRounds == 5)
    }

    @Test func theDefaultsAreSecureAndUnchanged() throws {
        let server = try ConfigLoader.parse(yaml: validConfig, file: "slipway.yml").server
        #expect(!server.access.dashboardIsPublic && !server.access.hasCredentials)
        #expect(server.adminListen == nil && server.outbound.allowPrivateNetworks.isEmpty)
        #expect(server.polling == PollingSettings())
        #expect(server.polling.firstDelaySeconds == 60 && server.polling.maxDelaySeconds == 7200 && server.polling.maxRounds == 40)
    }

    @Test func reconciliationIsOnByDefaultAndReadWhenWritten() throws {
        let defaults = try ConfigLoader.parse(yaml: validConfig, file: "slipway.yml").server.reconcile
        #expect(defaults == ReconcileSettings())
        #expect(defaults.isEnabled && defaults.intervalSeconds == 300 && defaults.lookbackHours == 24 && defaults.graceSeconds == 120)
        let set = try ConfigLoader.parse(
            yaml: config("  reconcile:\n    interval_seconds: 0\n    lookback_hours: 6\n    grace_seconds: 30"), file: "slipway.yml"
        ).server.reconcile
        #expect(!set.isEnabled && set.lookbackHours == 6 && set.graceSeconds == 30)
        let tooOften = diagnostics(config("  reconcile:\n    interval_seconds: 5\n    lookback: 3"))
        #expect(tooOften.contains { $0.line == 5 && $0.message.contains("write 0 (off) or at least 30") }, "\(tooOften)")
        #expect(tooOften.contains { $0.line == 6 && $0.message.contains("lookback") }, "an unknown key is named: \(tooOften)")
    }

    @Test func theRetryScheduleHasDefaultsAndIsReadWhenWritten() throws {
        let defaults = try ConfigLoader.parse(yaml: validConfig, file: "slipway.yml").server.retry
        #expect(defaults.maxAttempts == 6 && defaults.firstDelaySeconds == 30 && defaults.maxDelaySeconds == 1800)
        let set = try ConfigLoader.parse(
            yaml: config("  retry:\n    max_attempts: 40\n    first_delay_seconds: 1\n    max_delay_seconds: 3"), file: "slipway.yml"
        ).server.retry
        #expect(set.maxAttempts == 40 && set.firstDelaySeconds == 1 && set.maxDelaySeconds == 3)
        let wrong = diagnostics(config("  retry:\n    max_attempts: 0\n    first_delay_seconds: 60\n    max_delay_seconds: 5\n    attempts: 3"))
        #expect(wrong.contains { $0.line == 5 && $0.message.contains("server.retry.max_attempts") }, "\(wrong)")
        #expect(wrong.contains { $0.message.contains("server.retry.max_delay_seconds (5) is below first_delay_seconds (60)") }, "\(wrong)")
        #expect(wrong.contains { $0.line == 8 && $0.message.contains("attempts") }, "an unknown key is named: \(wrong)")
    }

    @Test func mistakesAreReportedAtTheirLineWithWhatToWrite() {
        let found = diagnostics(
            config(
                """
                  access:
                    api_tokens: [ghp_inline_value]
                    github:
                      client_id: Iv1.abc
                      client_secret: ${OAUTH_SECRET}
                      allowed_teams: [release-managers]
                  admin_listen: localhost
                  outbound:
                    allow_private_networks: [intranet]
                  polling:
                    first_delay_seconds: 600
                    max_delay_seconds: 60
                """))
        func at(_ line: Int, _ text: String) -> Bool {
            found.contains { $0.line == line && $0.message.contains(text) }
        }
        #expect(at(5, "server.access.api_tokens entry"), "\(found)")
        #expect(at(9, "must be ORG/TEAM-SLUG"), "\(found)")
        #expect(at(10, "server.admin_listen must be HOST:PORT"), "\(found)")
        #expect(at(12, "write a CIDR block like 10.20.0.0/16"), "\(found)")
        #expect(found.contains { $0.message.contains("max_delay_seconds (60) is below first_delay_seconds (600)") }, "\(found)")
    }

    @Test func gitHubSignInWithoutAnAllowedListIsRefused() {
        let found = diagnostics(
            config(
                """
                  access:
                    github:
                      client_id: Iv1.abc
                      client_secret: ${OAUTH_SECRET}
                """))
        #expect(found.contains { $0.message.contains("lets nobody in: list at least one of allowed_users, allowed_orgs or allowed_teams") })
    }
}
