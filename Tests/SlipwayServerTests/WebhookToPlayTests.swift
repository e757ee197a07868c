import AsyncHTTPClient
import Foundation
import SlipwayFakes
import Testing

/// The whole path over real sockets: signed webhook → rules → SQLite job → artifact download from
/// the fake GitHub → upload to the fake Play → commit status and sticky PR comment on the fake GitHub.
@Suite("Webhook to Play to GitHub, end to end", .serialized)
struct WebhookToPlayTests {
    @Test func aPullRequestBuildIsUploadedToPlayAndReportedOnThePR() async throws {
        try await TestWorld.with { world in
            let apk = TestWorld.fakeAPK()
            let runID = await world.addRun(apk: apk)
            try await world.withServer { server in
                let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 42))
                #expect(reply.status == 202)
                #expect(reply.json["status"] as? String == "accepted")
                let id = try #require(reply.json["delivery_id"] as? String)

                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done")

                let uploads = await world.play.uploads(of: TestWorld.packageName)
                #expect(uploads.count == 1)
                #expect(uploads.first?.sha256 == TestWorld.sha256Hex(apk))
                #expect(uploads.first?.kind == "apk")

                let statuses = await world.github.statuses(repository: TestWorld.repository, sha: "3484a3fb816e0859fd6e1cea078d76385ff50625")
                #expect(statuses.last?.context == "slipway/play")
                #expect(statuses.last?.state == "success")
                #expect(statuses.first?.state == "pending")
                #expect(statuses.last?.targetURL == "http://slipway.test/deliveries/\(id)")

                let comments = await world.github.comments(repository: TestWorld.repository, issue: 42)
                #expect(comments.count == 1, "one comment per pull request, edited in place")
                let body = comments.first?.body ?? ""
                #expect(body.contains(uploads.first?.downloadURL ?? "<no upload>"))
                #expect(body.contains("<!-- slipway:pr github:acme/app#42 -->"))
                #expect(!body.contains("Earlier builds"), "the first build has no history")
                #expect(await world.github.checkRuns(sha: "3484a3fb816e0859fd6e1cea078d76385ff50625").isEmpty, "check runs need an App")
                #expect(!body.contains(TestWorld.gitHubToken))

                let dashboard = try await world.sendText(server + "/")
                #expect(dashboard.status == 200)
                #expect(dashboard.text.contains(id))
                let page = try await world.sendText(server + "/deliveries/\(id)")
                #expect(page.status == 200)
                #expect(page.text.contains("Install from Play"))
                #expect(!page.text.contains(TestWorld.gitHubToken))
                #expect(try await world.sendText(server + "/readyz").status == 200)
                let metrics = try await world.sendText(server + "/metrics")
                #expect(metrics.text.contains(#"slipway_webhooks_total{source="github",outcome="accepted"} 1"#))
            }
        }
    }

    @Test func aBadSignatureIs401AndNothingIsStored() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: 1, pr: 1), secret: "wrong")
                #expect(reply.status == 401)
                #expect((reply.json["error"] as? String)?.contains("does not match") == true)
                let list = try await world.getJSON(server + "/api/deliveries")
                #expect((list.json["deliveries"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func aRedeliveredWebhookIsAnsweredDuplicateAndUploadedOnce() async throws {
        try await TestWorld.with { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK())
            try await world.withServer { server in
                let body = TestWorld.workflowRunBody(runID: runID, pr: 5)
                let first = try await world.postGitHub(server, body: body, delivery: "same-guid")
                let second = try await world.postGitHub(server, body: body, delivery: "same-guid")
                let third = try await world.postGitHub(server, body: body, delivery: "other-guid-same-build")
                #expect(first.status == 202)
                #expect(second.status == 200)
                #expect(second.json["status"] as? String == "duplicate")
                #expect(third.json["status"] as? String == "duplicate")
                let id = try #require(first.json["delivery_id"] as? String)
                #expect(second.json["delivery_id"] as? String == id)
                _ = try await world.waitForDelivery(server, id: id)
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
            }
        }
    }

    @Test func malformedOversizedIgnoredAndUnknownWebhooksGetTheirStatus() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                let malformed = try await world.postGitHub(server, body: Data(#"{"action":"completed"}"#.utf8))
                #expect(malformed.status == 400)
                #expect((malformed.json["error"] as? String)?.contains("missing field workflow_run") == true, "\(malformed.json)")

                let big = Data(repeating: UInt8(ascii: " "), count: 5000)
                let tooLarge = try await world.postGitHub(server, body: big)
                #expect(tooLarge.status == 413)

                let otherBranch = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: 9, pr: nil, branch: "release/1.0"))
                #expect(otherBranch.status == 200)
                #expect(otherBranch.json["status"] as? String == "ignored")
                #expect((otherBranch.json["reason"] as? String)?.contains("branch release/1.0 matches none of") == true)

                let failedBuild = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: 10, pr: 3, conclusion: "failure"))
                #expect(failedBuild.json["status"] as? String == "ignored")

                let ping = try await world.postGitHub(server, body: Data("{}".utf8), event: "ping")
                #expect(ping.status == 200)

                let unknown = try await world.send(.init(url: server + "/webhooks/jenkins"))
                #expect(unknown.status == 404)

                let metrics = try await world.sendText(server + "/metrics")
                #expect(metrics.status == 200)
            }
        }
    }

    @Test func aGenericHookDownloadsFromItsURLAndAReplayIsRefused() async throws {
        try await TestWorld.with { world in
            let apk = TestWorld.fakeAPK(seed: 3)
            await world.artifacts.add(path: "/builds/77/app-release.apk", data: apk)
            try await world.withServer { server in
                let url = world.artifactsURL + "/builds/77/app-release.apk"
                let stale = try await world.postGeneric(server, artifactURL: url, timestamp: Date().addingTimeInterval(-600))
                #expect(stale.status == 401)
                #expect((stale.json["error"] as? String)?.contains("outside the 300 s window") == true)

                let fresh = try await world.postGeneric(server, artifactURL: url)
                #expect(fresh.status == 202)
                let id = try #require(fresh.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done")
                #expect(await world.play.uploads(of: TestWorld.packageName).first?.sha256 == TestWorld.sha256Hex(apk))
            }
        }
    }

    @Test func aRulesOwnStoreOptionsReachTheStore() async throws {
        try await TestWorld.with { world in
            let text = try String(contentsOfFile: world.configPath, encoding: .utf8)
                .replacingOccurrences(of: "stores: [play, applivery]", with: "stores: [play, {applivery: {tags: [nightly, main], version_name: \"nightly-{short_sha}\"}}]")
            try text.write(toFile: world.configPath, atomically: true, encoding: .utf8)
            await world.artifacts.add(path: "/builds/9/app-release.apk", data: TestWorld.fakeAPK(seed: 9))
            await world.applivery.setProcessingPolls(0)
            try await world.withServer { server in
                let answer = try await world.postGeneric(server, artifactURL: world.artifactsURL + "/builds/9/app-release.apk")
                let delivery = try await world.waitForDelivery(server, id: try #require(answer.json["delivery_id"] as? String))
                #expect(delivery["state"] as? String == "done")
                let upload = try #require(await world.applivery.uploads.first)
                #expect(upload.fields["tags"] == "nightly, main")
                #expect(upload.fields["versionName"] == "nightly-aaaabbb")
            }
        }
    }

    @Test func playConcurrentUpdateIsRetriedAndSucceeds() async throws {
        try await TestWorld.with { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK())
            await world.play.enqueue(.status(409, reason: "concurrentUpdate"))
            try await world.withServer { server in
                let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 8))
                let id = try #require(reply.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done")
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
                #expect(await world.play.requests.count == 2, "the 409 and the retry that succeeded")
            }
        }
    }

    @Test func playPermissionDeniedFailsFastWithTheStoresMessageAndAHint() async throws {
        try await TestWorld.with { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK())
            await world.play.enqueue(.status(403, reason: "userInsufficientPermission", message: "The caller does not have permission"))
            try await world.withServer { server in
                let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 9))
                let id = try #require(reply.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "failed")
                #expect(await world.play.requests.count == 1, "403 is not retried")

                let stores = delivery["stores"] as? [[String: Any]] ?? []
                let failure = stores.first?["failure"] as? [String: Any] ?? [:]
                #expect((failure["message"] as? String)?.contains("The caller does not have permission") == true)
                #expect((failure["hint"] as? String)?.contains("Play Console") == true)

                let statuses = await world.github.statuses(repository: TestWorld.repository, sha: "3484a3fb816e0859fd6e1cea078d76385ff50625")
                #expect(statuses.last?.state == "failure")
                let line = statuses.last?.description ?? ""
                #expect(line.hasPrefix("upload APK failed:"), "status line from the template: \(line)")
                #expect(line.contains("The caller does not have permission"))
                let comment = await world.github.comments(repository: TestWorld.repository, issue: 9).first?.body ?? ""
                #expect(comment.contains("The caller does not have permission"))
                #expect(comment.contains("Play Console"))
            }
        }
    }
}
