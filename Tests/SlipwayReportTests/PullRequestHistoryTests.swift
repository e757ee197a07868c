import Foundation
import Testing

@testable import SlipwayReport

@Suite("Pull request comment history")
struct PullRequestHistoryTests {
    func build(_ n: Int) -> PullRequestHistory.Build {
        .init(
            key: "github:acme/app#\(n).1", shortSHA: String(format: "%07d", n), ref: "feature/x", time: "2026-12-01T10:00:00Z",
            outcome: "Delivered to all 5 stores", links: [.init(store: "play", title: "Install", url: "https://play.example/\(n)")])
    }

    @Test func theNewestBuildGoesOnTopAndAReportOfTheSameBuildReplacesItInPlace() {
        var history = PullRequestHistory()
        history = history.reporting(build(1)).reporting(build(2))
        #expect(history.current?.key == build(2).key && history.earlier.map(\.key) == [build(1).key])
        history = history.reporting(build(2))
        #expect(history.earlier.count == 1)
        let text = history.comment(body: "### body", limit: 10_000)
        #expect(PullRequestHistory.read(from: text) == history, "the history travels in the comment")
    }

    @Test func theCommentStaysUnderTheLimitByDroppingTheOldestBuilds() {
        var history = PullRequestHistory()
        for n in 1...400 { history = history.reporting(build(n)) }
        let text = history.comment(body: String(repeating: "x", count: 20_000), limit: 40_000)
        #expect(text.count <= 40_000)
        let kept = PullRequestHistory.read(from: text)
        #expect(kept.current?.key == build(400).key)
        #expect(kept.earlier.first?.key == build(399).key, "the newest earlier builds are kept")
        #expect(kept.earlier.count < 399 && !kept.earlier.contains { $0.key == build(1).key })
    }
}
