import Foundation
import Testing

@testable import SlipwayCore

@Suite("Rule matching and explain")
struct RuleMatchingTests {
    let config = try! ConfigLoader.parse(yaml: validConfig, file: "slipway.yml")

    @Test func releaseBranchPushMatchesTheReleaseRuleOnly() {
        let input = MatchInput(repository: "acme/app", branch: "release/2.1", trigger: .push)
        let plan = config.plan(for: input)
        #expect(plan.matchedRules == ["release builds to Play"])
        #expect(plan.uploads == [PlannedUpload(store: "play", artifact: config.rules[0].artifact, rule: "release builds to Play")])
        #expect(plan.notifications == ["github"])
    }

    @Test func negatedBranchIsExcludedAndExplainSaysWhy() {
        let input = MatchInput(repository: "acme/app", branch: "release/old-1", trigger: .push)
        let evaluation = config.evaluate(input)[0]
        #expect(!evaluation.matched)
        #expect(evaluation.reasons.contains("✗ branch release/old-1 is excluded by \"!release/old-*\""))
        #expect(config.plan(for: input).isEmpty)
    }

    @Test func pullRequestInAnotherRepoOfTheOrgMatchesTheWildcardRule() {
        let input = MatchInput(repository: "acme/other", branch: "feature/x", trigger: .pullRequest, pullRequest: 7)
        let evaluations = config.evaluate(input)
        #expect(evaluations.map(\.matched) == [false, true])
        #expect(evaluations[0].reasons.contains("✗ event pull_request is not one of [push]"))
        #expect(evaluations[1].reasons.contains("✓ repository acme/other matches \"acme/*\""))
    }

    @Test func failedBuildsAreNotDelivered() {
        let input = MatchInput(repository: "acme/app", branch: "release/2.1", trigger: .push, conclusion: .failure)
        let evaluation = config.evaluate(input)[0]
        #expect(!evaluation.matched)
        #expect(evaluation.reasons.last == "✗ conclusion failure is not accepted (rule wants success)")
    }

    @Test func aStoreNamedByTwoRulesIsPlannedOnce() throws {
        let yaml = validConfig.replacingOccurrences(of: "repo: acme/*", with: "repo: acme/app")
            .replacingOccurrences(of: "events: pull_request", with: "events: [push, pull_request]")
        let both = try ConfigLoader.parse(yaml: yaml, file: "x.yml")
        let plan = both.plan(for: MatchInput(repository: "acme/app", branch: "release/1", trigger: .push))
        #expect(plan.matchedRules.count == 2)
        #expect(plan.uploads.map(\.store) == ["play"])
        #expect(plan.uploads[0].rule == "release builds to Play")
    }

    @Test func artifactSelectorChecksKindAndPattern() throws {
        let selector = ArtifactSelector(pattern: try Glob("**/*-release.apk"), kind: .apk)
        #expect(selector.accepts(name: "app/app-release.apk"))
        #expect(!selector.accepts(name: "app/app-debug.apk"))
        #expect(!ArtifactSelector(pattern: try Glob("**/*"), kind: .aab).accepts(name: "x/app.apk"))
        #expect(!ArtifactSelector(pattern: try Glob("**/*"), kind: nil).accepts(name: "x/mapping.txt"))
    }
}
