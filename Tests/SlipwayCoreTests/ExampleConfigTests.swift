import Foundation
import Testing

@testable import SlipwayCore

@Suite("Shipped example config")
struct ExampleConfigTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theDeployExampleIsValidAndRoutesAsItsCommentsSay() throws {
        let path = Self.repositoryRoot.appendingPathComponent("deploy/slipway.example.yml").path
        let config = try ConfigLoader.load(path: path)
        #expect(config.server.database == "sqlite:/var/lib/slipway/slipway.db")
        let release = config.plan(for: MatchInput(repository: "example/android-app", branch: "release/3.0", trigger: .push))
        #expect(release.matchedRules == ["release builds to Play"])
        #expect(release.uploads.first?.artifact.pattern.pattern == "**/*-release.aab")
        let legacy = config.plan(for: MatchInput(repository: "example/android-app", branch: "release/legacy-1", trigger: .push))
        #expect(legacy.isEmpty)
        let pr = config.plan(for: MatchInput(repository: "example/android-app", branch: "feature/x", trigger: .pullRequest, pullRequest: 4))
        #expect(pr.matchedRules == ["PR builds to Play internal sharing"])
        #expect(pr.notifications == ["github"])
    }

    @Test func theAllStoresExampleIsValidAndNamesEveryStoreType() throws {
        let path = Self.repositoryRoot.appendingPathComponent("deploy/slipway.all-stores.example.yml").path
        let config = try ConfigLoader.load(path: path)
        #expect(Set(config.stores.map(\.type)) == Set(StoreType.allCases))
        let plan = config.plan(for: MatchInput(repository: "acme/app", branch: "release/2", trigger: .push))
        #expect(plan.uploads.map(\.store) == ["play", "applivery-qa", "ignite", "amazon"])
    }
}
