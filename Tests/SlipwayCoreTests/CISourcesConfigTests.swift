import Testing

@testable import SlipwayCore

@Suite("GitLab, Bitrise, Buildkite and CircleCI source config")
struct CISourcesConfigTests {
    static func config(_ sources: String) -> String {
        """
        version: 1
        sources:
        \(sources)
        stores:
          play:
            type: google-play
            package_name: com.acme.app
            service_account: file:/etc/slipway/play.json
        rules:
          - name: to Play
            stores: [play]
        """
    }

    func diagnostics(_ sources: String) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(yaml: Self.config(sources), file: "slipway.yml")
            Issue.record("expected the config to be refused")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func allFourSourcesParseWithTheirOptions() throws {
        let config = try ConfigLoader.parse(
            yaml: Self.config(
                """
                  gitlab:
                    webhook_token: ${GITLAB_WEBHOOK_TOKEN}
                    signing_token: ${GITLAB_SIGNING_TOKEN}
                    token: file:/etc/slipway/gitlab-token
                    api_url: https://gitlab.acme.test/api/v4
                    tolerance_seconds: 120
                  bitrise:
                    webhook_secret: ${BITRISE_WEBHOOK_SECRET}
                    token: ${BITRISE_TOKEN}
                    apps:
                      9a1b2c3d4e5f6a7b: acme/app
                  buildkite:
                    webhook_token: ${BUILDKITE_WEBHOOK_TOKEN}
                    token: ${BUILDKITE_TOKEN}
                  circleci:
                    webhook_secret: ${CIRCLECI_WEBHOOK_SECRET}
                    token: ${CIRCLECI_TOKEN}
                    artifact_hosts: [circle-artifacts.com, artifacts.acme.test]
                    projects: [gh/acme/app]
                """), file: "slipway.yml")
        let sources = config.sources
        #expect(sources.gitlab?.webhookToken == .environment("GITLAB_WEBHOOK_TOKEN"))
        #expect(sources.gitlab?.signingToken == .environment("GITLAB_SIGNING_TOKEN"))
        #expect(sources.gitlab?.apiURL == "https://gitlab.acme.test/api/v4")
        #expect(sources.gitlab?.toleranceSeconds == 120)
        #expect(sources.bitrise?.apps == ["9a1b2c3d4e5f6a7b": "acme/app"])
        #expect(sources.bitrise?.apiURL == "https://api.bitrise.io/v0.1")
        #expect(sources.buildkite?.apiURL == "https://api.buildkite.com/v2")
        #expect(sources.buildkite?.toleranceSeconds == 300)
        #expect(sources.circleci?.artifactHosts == ["circle-artifacts.com", "artifacts.acme.test"])
        #expect(sources.circleci?.apiURL == "https://circleci.com/api/v2")
        #expect(sources.circleci?.projects == ["gh/acme/app"])
    }

    @Test func aCircleCIProjectThatIsNoSlugIsRefused() {
        let found = diagnostics(
            """
              circleci:
                webhook_secret: ${S}
                token: ${T}
                projects: [acme/app]
            """)
        #expect(found.contains { $0.message.contains("\"acme/app\" is not a project slug; write VCS/ORG/REPO, like gh/acme/app") && $0.line == 6 }, "\(found)")
    }

    @Test func aMissingTokenIsReportedAtItsSource() {
        let found = diagnostics(
            """
              buildkite:
                webhook_token: ${BUILDKITE_WEBHOOK_TOKEN}
            """)
        #expect(found.contains { $0.message.contains("sources.buildkite is missing \"token:\"") && $0.line == 4 })
    }

    @Test func aSecretWrittenInlineIsRefused() {
        let found = diagnostics(
            """
              circleci:
                webhook_secret: hunter2
                token: ${CIRCLECI_TOKEN}
            """)
        #expect(found.contains { $0.message.contains("sources.circleci.webhook_secret must refer to a secret") && $0.line == 4 })
    }

    @Test func aGitLabAPIURLWithoutAPIv4IsRefused() {
        let found = diagnostics(
            """
              gitlab:
                webhook_token: ${T}
                token: ${U}
                api_url: https://gitlab.acme.test
            """)
        #expect(found.contains { $0.message.contains("must end in /api/v4") && $0.line == 6 })
    }

    @Test func anUnknownKeyIsNamedWithASuggestion() {
        let found = diagnostics(
            """
              bitrise:
                webhook_secret: ${S}
                token: ${T}
                app: {x: y}
            """)
        #expect(found.contains { $0.message.contains("unknown key \"app\" in sources.bitrise") })
    }
}
