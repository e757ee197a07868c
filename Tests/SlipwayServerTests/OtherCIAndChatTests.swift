import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayFakes
import Testing

/// The same path from a GitLab pipeline hook, reported to Slack as well: intake, artifact fetch
/// from the GitLab job artifacts API, store uploads, and one Slack message updated in place.
@Suite("GitLab intake and Slack reporting, end to end", .serialized)
struct OtherCIAndChatTests {
    func postGitLab(_ world: TestWorld, _ server: String, token: String?) async throws -> (status: Int, json: [String: Any]) {
        let hook = FakeGitLabHook.pipeline(
            token: token, projectID: 7, path: TestWorld.repository, pipelineID: 901, ref: "main",
            jobs: ["assemble-release": 377])
        var request = HTTPClientRequest(url: server + "/webhooks/gitlab")
        request.method = .POST
        for (name, value) in hook.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: hook.body))
        return try await world.send(request)
    }

    @Test func aGitLabPipelineIsDeliveredAndReportedToSlackInOneUpdatedMessage() async throws {
        try await TestWorld.with { world in
            let apk = TestWorld.fakeAPK(seed: 31)
            await world.gitlab.addJobArtifacts(project: 7, jobID: 377, files: ["build/app-release.apk": apk])
            try await world.withServer { server in
                let reply = try await postGitLab(world, server, token: TestWorld.gitlabWebhookToken)
                #expect(reply.status == 202)
                let id = try #require(reply.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done")
                let uploads = await world.play.uploads(of: TestWorld.packageName)
                #expect(uploads.count == 1)
                #expect(uploads.first?.sha256 == TestWorld.sha256Hex(apk))

                let messages = await world.slack.messages
                #expect(messages.count == 1, "one Slack message per build, updated as results change")
                #expect((messages.first?.updates ?? 0) >= 1)
                let blocks = (try? JSONSerialization.jsonObject(with: messages.first?.blocks ?? Data())) as? [[String: Any]] ?? []
                let buttonURLs = blocks.filter { $0["type"] as? String == "actions" }
                    .flatMap { $0["elements"] as? [[String: Any]] ?? [] }.compactMap { $0["url"] as? String }
                let playLink = uploads.first?.downloadURL ?? "<none>"
                #expect(buttonURLs.contains(playLink), "the Play link is a button")
                #expect(buttonURLs.contains { $0.contains("/download/v1/download/") }, "so is the Applivery link")
                let rawBlocks = String(decoding: messages.first?.blocks ?? Data(), as: UTF8.self)
                #expect(!rawBlocks.contains(TestWorld.slackToken))
            }
        }
    }

    @Test func aGitLabHookWithTheWrongTokenIs401() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let wrong = try await postGitLab(world, server, token: "not-the-token")
                #expect(wrong.status == 401)
                let missing = try await postGitLab(world, server, token: nil)
                #expect(missing.status == 401)
            }
        }
    }
}
