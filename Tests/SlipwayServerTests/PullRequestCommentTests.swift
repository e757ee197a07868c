import Foundation
import SlipwayFakes
import Testing

/// One Slipway comment per pull request, however many builds, pushes and re-runs.
@Suite("One comment per pull request")
struct PullRequestCommentTests {
    static let shaA = String(repeating: "a", count: 40)
    static let shaB = String(repeating: "b", count: 40)

    func deliver(_ world: TestWorld, _ server: String, _ body: Data) async throws {
        let answer = try await world.postGitHub(server, body: body)
        #expect(answer.status == 202)
        let delivery = try await world.waitForDelivery(server, id: try #require(answer.json["delivery_id"] as? String))
        #expect(delivery["state"] as? String == "done")
    }

    @Test func aReRunEditsTheFirstCommentAndListsTheEarlierAttempt() async throws {
        try await TestWorld.with { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 51), runID: 600)
            try await world.withServer { server in
                let first = TestWorld.workflowRunBody(runID: runID, pr: 21, sha: Self.shaA)
                try await deliver(world, server, first)
                let rerun = Data(String(decoding: first, as: UTF8.self).replacingOccurrences(of: "\"run_attempt\":1", with: "\"run_attempt\":2").utf8)
                try await deliver(world, server, rerun)
                let comments = await world.github.comments(repository: TestWorld.repository, issue: 21)
                #expect(comments.count == 1, "one POST, then PATCHes")
                let body = try #require(comments.first?.body)
                #expect((comments.first?.edits ?? 0) >= 2)
                #expect(body.contains("Earlier builds (1)"))
                #expect(body.contains("| attempt 1 |"))
                #expect(body.hasPrefix("### ✅ Slipway"), "the newest build is on top")
            }
        }
    }

    @Test func aSecondPushToThePREditsTheSameCommentWithTheFirstBuildBelow() async throws {
        try await TestWorld.with { world in
            let one = await world.addRun(apk: TestWorld.fakeAPK(seed: 52), runID: 610)
            let two = await world.addRun(apk: TestWorld.fakeAPK(seed: 53), runID: 611)
            try await world.withServer { server in
                try await deliver(world, server, TestWorld.workflowRunBody(runID: one, pr: 22, sha: Self.shaA))
                try await deliver(world, server, TestWorld.workflowRunBody(runID: two, pr: 22, sha: Self.shaB))
                let comments = await world.github.comments(repository: TestWorld.repository, issue: 22)
                #expect(comments.count == 1)
                let body = try #require(comments.first?.body)
                let earlier = try #require(body.components(separatedBy: "Earlier builds").last)
                #expect(body.components(separatedBy: "Earlier builds").first?.contains("`bbbbbbb`") == true, "the newest build on top")
                #expect(earlier.contains("`aaaaaaa`"), "the first build in the history")
                #expect(earlier.contains("Install from Play"), "with its links")
            }
        }
    }

    @Test func twoBuildsOfOnePRFinishingAtOnceMakeOneCommentWithBoth() async throws {
        try await TestWorld.with { world in
            let one = await world.addRun(apk: TestWorld.fakeAPK(seed: 54), runID: 620)
            let two = await world.addRun(apk: TestWorld.fakeAPK(seed: 55), runID: 621)
            try await world.withServer { server in
                async let a: Void = deliver(world, server, TestWorld.workflowRunBody(runID: one, pr: 23, sha: Self.shaA))
                async let b: Void = deliver(world, server, TestWorld.workflowRunBody(runID: two, pr: 23, sha: Self.shaB))
                _ = try await (a, b)
                let comments = await world.github.comments(repository: TestWorld.repository, issue: 23)
                #expect(comments.count == 1)
                let body = try #require(comments.first?.body)
                #expect(body.contains("`aaaaaaa`") && body.contains("`bbbbbbb`"), "neither build's results are lost")
                #expect(body.contains("Earlier builds (1)"))
            }
        }
    }
}
