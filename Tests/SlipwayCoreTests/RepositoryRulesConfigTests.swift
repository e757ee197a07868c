import Foundation
import Testing

@testable import SlipwayCore

/// `repo_rules:` and the repository rules files it lets in (issue 15 §1): the policy's own checks,
/// what a file may hold, that a problem refuses only its own rule, and how the plan combines.
@Suite("Repository rules files")
struct RepositoryRulesConfigTests {
    static let server = validConfig.replacingOccurrences(
        of: "stores:\n  play:", with: "stores:\n  beta:\n    type: applivery\n    app_token: ${APPLIVERY_TOKEN}\n    organization: acme\n  play:")
        + """

        repo_rules:
          - repos: ["acme/*"]
            stores: [beta]
        """

    func config() throws -> SlipwayConfig {
        try ConfigLoader.parse(yaml: Self.server, file: "slipway.yml")
    }

    func repository(_ yaml: String) throws -> RepositoryRules {
        let config = try config()
        let policy = try #require(config.repositoryRulesPolicy(for: "acme/app"))
        return ConfigLoader.parseRepositoryRules(yaml: yaml, file: ".slipway.yml", policy: policy, config: config)
    }

    func problems(_ yaml: String) -> [String] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "slipway.yml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func thePolicyIsReadWithItsDefaultsAndAppliesByRepository() throws {
        let config = try config()
        let policy = try #require(config.repositoryRulesPolicy(for: "acme/app"))
        #expect(policy.path == ".slipway.yml" && policy.allow == ["rules"] && policy.stores == ["beta"])
        #expect(config.repositoryRulesPolicy(for: "other/app") == nil)
    }

    @Test func aPolicyThatCannotWorkIsRefusedOnItsLine() {
        let base = Self.server.components(separatedBy: "repo_rules:")[0]
        #expect(problems(base + "repo_rules:\n  - stores: [beta]\n").contains { $0.hasPrefix("slipway.yml:") && $0.contains("has no \"repos:\"") })
        #expect(problems(base + "repo_rules:\n  - repos: [a/b]\n    stores: [nowhere]\n").contains { $0.contains("allows store \"nowhere\", which is not declared") })
        #expect(problems(base + "repo_rules:\n  - repos: [a/b]\n    allow: [stores]\n").contains { $0.contains("may only be allowed rules") })
        #expect(problems(base + "repo_rules:\n  - repos: [a/b]\n    path: ../etc/x\n").contains { $0.contains("relative to the repository's root") })
        #expect(problems(base + "repo_rules:\n  - repos: [a/b]\n    paht: x\n").contains { $0.contains("did you mean \"path\"") })
    }

    @Test func aFileWithTwoRulesKeepsTheGoodOneAndRefusesTheOtherOnItsLine() throws {
        let rules = try repository(
            """
            version: 1
            rules:
              - name: betas
                branches: ["release/*"]
                stores: [beta]
              - name: sneaky
                branches: ["main"]
                stores: [play]
            """)
        #expect(rules.rules.map(\.name) == ["betas"])
        #expect(rules.problems.count == 1)
        let problem = try #require(rules.problems.first)
        #expect(problem.line == 8 && problem.message.contains("store \"play\", which the server's repo_rules do not allow"))
    }

    @Test func whatAFileMayNotSayIsRefused() throws {
        let withStores = try repository("version: 1\nstores:\n  x: {type: applivery}\nrules: []\n")
        #expect(withStores.rules.isEmpty && withStores.problems.contains { $0.message.contains("unknown key \"stores\"") })

        let otherRepository = try repository("rules:\n  - name: r\n    repo: acme/other\n    stores: [beta]\n")
        #expect(otherRepository.rules.isEmpty && otherRepository.problems.first?.line == 3)

        let options = try repository("rules:\n  - name: r\n    stores: [{beta: {tags: [x]}}]\n")
        #expect(options.rules.isEmpty && options.problems.contains { $0.message.contains("store options in a rule are not allowed") })

        let sameName = try repository("rules:\n  - name: PR builds\n    stores: [beta]\n")
        #expect(sameName.rules.isEmpty && sameName.problems.contains { $0.message.contains("has the name of a rule in the server's config") })

        let broken = try repository("rules: [\n")
        #expect(broken.rules.isEmpty && broken.problems.first?.message.hasPrefix("YAML syntax error") == true)
    }

    @Test func repositoryRulesAddToTheServersAndTheServersGoFirst() throws {
        let config = try config()
        let rules = try repository("rules:\n  - name: betas\n    branches: [\"release/*\"]\n    events: [push]\n    stores: [beta]\n")
        let combined = config.adding(rules)
        let release = MatchInput(
            repository: "acme/app", branch: "release/2", tag: nil, trigger: .push, pullRequest: nil, conclusion: .success)
        let plan = combined.plan(for: release)
        #expect(plan.matchedRules == ["release builds to Play", "betas"])
        #expect(plan.uploads.map(\.store) == ["play", "beta"])
        #expect(config.plan(for: release).uploads.map(\.store) == ["play"], "the server's config alone is unchanged")
    }
}

@Suite("What a rules file change does")
struct RulesChangeTests {
    @Test(arguments: [
        ("release/*", "release/x"), ("release/**", "release/xx"), ("v{1,2}.*", "v1.x"), ("feature-?", "feature-x"),
        ("main", "main"), ("{app,lib}/{a,b*}", "app/a"),
    ])
    func aPatternsExampleIsANameItMatches(pattern: String, example: String) {
        #expect(RulesChange.example(of: pattern) == example)
    }

    @Test func eachPatternAndEventTheRulesMentionIsComparedBeforeAndAfter() throws {
        let suite = RepositoryRulesConfigTests()
        let config = try suite.config()
        let before = try suite.repository("rules:\n  - name: betas\n    branches: [\"release/*\"]\n    events: [push]\n    stores: [beta]\n")
        let after = try suite.repository(
            "rules:\n  - name: betas\n    branches: [\"hotfix/*\"]\n    events: [push]\n    stores: [beta]\n  - name: bad\n    stores: [play]\n")
        let change = RulesChange.compare(
            repository: "acme/app", server: config, before: before, after: after, file: ".slipway.yml", baseBranch: "main")
        let rows = Dictionary(uniqueKeysWithValues: change.rows.map { ("\($0.pattern) \($0.event)", $0) })
        // The server's "release builds to Play" also takes release/* pushes.
        #expect(rows["release/* push"]?.before == ["play", "beta"] && rows["release/* push"]?.after == ["play"])
        #expect(rows["hotfix/* push"]?.before == [] && rows["hotfix/* push"]?.after == ["beta"])
        #expect(rows["* pull_request"]?.changed == false, "the server's PR rule is the same either way")
        #expect(change.problems.count == 1 && change.problems[0].contains("store \"play\""))
        #expect(change.changedRows.count == 2)
    }
}
