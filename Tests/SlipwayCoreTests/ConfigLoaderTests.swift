import Foundation
import Testing

@testable import SlipwayCore

/// A complete, valid config used by several tests; each test changes one thing.
let validConfig = """
    version: 1
    server:
      port: 9090
      database: sqlite:/var/lib/slipway/slipway.db
    sources:
      github:
        webhook_secret: ${GITHUB_WEBHOOK_SECRET}
        token: ${GITHUB_TOKEN}
      generic:
        secret: file:secrets/generic.txt
    stores:
      play:
        type: google-play
        package_name: com.acme.app
        service_account: file:/etc/slipway/play.json
    notifications:
      github:
        type: github
    rules:
      - name: release builds to Play
        repo: acme/app
        branches: ["release/*", "!release/old-*"]
        events: [push]
        artifact: "**/*-release.apk"
        stores: [play]
      - name: PR builds
        repo: acme/*
        events: pull_request
        artifact_kind: aab
        stores: play
        notify: [github]
    """

@Suite("Config loading and validation")
struct ConfigLoaderTests {
    @Test func loadsAValidConfig() throws {
        let config = try ConfigLoader.parse(yaml: validConfig, file: "slipway.yml")
        #expect(config.server.port == 9090)
        #expect(config.sources.github?.apiURL == "https://api.github.com")
        #expect(config.sources.github?.token == .environment("GITHUB_TOKEN"))
        #expect(config.sources.generic?.secret == .file("secrets/generic.txt"))
        #expect(config.stores.map(\.name) == ["play"])
        guard case .googlePlay(let play) = config.stores[0].settings else {
            Issue.record("expected a Google Play store")
            return
        }
        #expect(play.packageName == "com.acme.app")
        #expect(config.rules.count == 2)
        #expect(config.rules[0].line == 20)
        #expect(config.rules[0].triggers == [.push])
        #expect(config.rules[0].conclusions == [.success])
        #expect(config.rules[0].notify == ["github"])
        #expect(config.rules[0].notifyIsDefault)
        #expect(config.rules[1].artifact.kind == .aab)
        #expect(config.rules[1].artifact.pattern.pattern == "**/*.aab")
    }

    private func diagnostics(_ yaml: String) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "rules.yml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func readsTheGitHubBotLoginForAppTokens() throws {
        let yaml = validConfig.replacingOccurrences(
            of: "    token: ${GITHUB_TOKEN}\n", with: "    token: ${GITHUB_TOKEN}\n    login: slipway-app[bot]\n")
        let config = try ConfigLoader.parse(yaml: yaml, file: "slipway.yml")
        #expect(config.sources.github?.login == "slipway-app[bot]")
        #expect(try ConfigLoader.parse(yaml: validConfig, file: "slipway.yml").sources.github?.login == nil)
    }

    @Test func reportsUnknownStoreTypeWithLine() {
        let yaml = validConfig.replacingOccurrences(of: "type: google-play", with: "type: google-plya")
        let found = diagnostics(yaml)
        #expect(found.contains { $0.line == 13 && $0.message.contains("unknown store type \"google-plya\"") && $0.message.contains("did you mean \"google-play\"") })
        #expect(found.allSatisfy { $0.description.hasPrefix("rules.yml:") })
    }

    @Test func reportsARuleNamingAnUndeclaredStore() {
        let yaml = validConfig.replacingOccurrences(of: "stores: [play]", with: "stores: [play, applivery]")
        let found = diagnostics(yaml)
        #expect(found.count == 1)
        #expect(found.first?.line == 25)
        #expect(found.first?.message.contains("names store \"applivery\", which is not declared") == true)
    }

    @Test func reportsABadGlob() {
        let yaml = validConfig.replacingOccurrences(of: "\"release/*\"", with: "\"release/{a,b\"")
        let found = diagnostics(yaml)
        #expect(found.first?.line == 22)
        #expect(found.first?.message.contains("unclosed") == true)
    }

    @Test func reportsAnInlineSecret() {
        let yaml = validConfig.replacingOccurrences(of: "token: ${GITHUB_TOKEN}", with: "token: ghp_abc123")
        let found = diagnostics(yaml)
        #expect(found.first?.line == 8)
        #expect(found.first?.message.contains("must refer to a secret") == true)
        #expect(found.first?.message.contains("ghp_abc123") == false)
    }

    @Test func reportsAMissingCredentialReference() {
        let yaml = validConfig.replacingOccurrences(of: "    service_account: file:/etc/slipway/play.json\n", with: "")
        let found = diagnostics(yaml)
        #expect(found.contains { $0.message.contains("is missing \"service_account:\"") })
    }

    @Test func reportsDuplicateNames() {
        let yaml = validConfig.replacingOccurrences(of: "name: PR builds", with: "name: release builds to Play")
        let found = diagnostics(yaml)
        #expect(found.contains { $0.line == 26 && $0.message.contains("declared twice") })
    }

    @Test func reportsWrongTypes() {
        let yaml = validConfig.replacingOccurrences(of: "port: 9090", with: "port: [1]")
            .replacingOccurrences(of: "events: [push]", with: "events: [push, merge]")
        let found = diagnostics(yaml)
        #expect(found.contains { $0.line == 3 && $0.message.contains("server.port must be a whole number") })
        #expect(found.contains { $0.line == 23 && $0.message.contains("unknown event \"merge\"") })
    }

    @Test func reportsTyposInKeys() {
        let yaml = validConfig.replacingOccurrences(of: "branches:", with: "brnches:")
        let found = diagnostics(yaml)
        #expect(found.contains { $0.line == 22 && $0.message.contains("did you mean \"branches\"") })
    }

    @Test func reportsEveryProblemAtOnceInLineOrder() {
        let yaml = validConfig.replacingOccurrences(of: "port: 9090", with: "port: 99999")
            .replacingOccurrences(of: "stores: [play]", with: "stores: [nope]")
        let found = diagnostics(yaml)
        #expect(found.map(\.line) == [3, 25])
    }

    @Test func reportsYAMLSyntaxErrorsWithTheirLine() {
        let found = diagnostics("rules:\n  - name: x\n    stores: [play\n")
        #expect(found.count == 1)
        #expect(found.first?.message.contains("YAML syntax error") == true)
        #expect((found.first?.line ?? 0) >= 3)
    }

    @Test func reportsMissingRules() {
        let found = diagnostics("stores: {}\n")
        #expect(found.first?.message.contains("no \"rules:\"") == true)
    }

    @Test func rejectsChunkSizesGoogleWouldRefuse() {
        let yaml = validConfig.replacingOccurrences(
            of: "    service_account: file:/etc/slipway/play.json\n",
            with: "    service_account: file:/etc/slipway/play.json\n    chunk_bytes: 300000\n")
        #expect(diagnostics(yaml).contains { $0.message.contains("multiple of 262144") })
    }
}
