import Foundation
import SlipwayCore

@testable import SlipwayReport

/// Report references kept in memory, as the job store would keep them across calls.
actor MemoryReferences: ReportReferences {
    var values: [String: String] = [:]
    func value(for key: String) async throws -> String? { values[key] }
    func set(_ value: String, for key: String) async throws { values[key] = value }
}

enum ReportFixtures {
    /// The shipped templates folder.
    static let templatesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("templates")

    static func renderer() async throws -> TemplateRenderer {
        try await TemplateRenderer(directory: templatesDirectory)
    }

    static let awkward = "say \"hi\"\\ <!channel> & more\nsecond line"

    static func event(pullRequest: Int? = 12) -> BuildEvent {
        BuildEvent(
            provider: .gitlab, repository: "group/app", branch: "feature/\"x\"", sha: "0123456789abcdef", trigger: .pullRequest,
            pullRequest: pullRequest, conclusion: .success, buildID: "77", buildURL: "https://ci.example/p/77",
            artifactSource: .localFile("/tmp/app.aab"), commitMessage: awkward)
    }

    static func result(_ store: String, _ state: StoreResult.State, links: [StoreResult.Link] = []) -> StoreResult {
        StoreResult(
            store: store, storeType: .googlePlay, state: state, summary: state == .failed ? "failed" : awkward, links: links,
            failure: state == .failed ? StoreFailure(step: "upload", message: awkward, hint: "retry \"later\"") : nil)
    }

    static let playLink = StoreResult.Link(title: "Install link", url: "https://play.example/t/abc?x=1&y=2")

    static func report(_ results: [StoreResult], event: BuildEvent = event()) -> BuildReport {
        BuildReport(
            deliveryID: "d-1", event: event, matchedRules: ["qa"], results: results,
            dashboardURL: "https://slipway.example/deliveries/d-1")
    }
}
