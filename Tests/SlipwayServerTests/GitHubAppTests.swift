import Foundation
import SlipwayFakes
import Testing

/// Slipway installed as a GitHub App: the app's JWT finds the installation and trades for
/// installation tokens, which fetch the artifacts, post statuses and the PR comment as `<slug>[bot]`.
@Suite("GitHub App authentication, end to end")
struct GitHubAppTests {
    @Test func aPRBuildIsDeliveredAndReportedWithInstallationTokens() async throws {
        try await TestWorld.with(githubApp: true) { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 31))
            try await world.withServer { server in
                let answer = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 12))
                let delivery = try await world.waitForDelivery(server, id: try #require(answer.json["delivery_id"] as? String))
                #expect(delivery["state"] as? String == "done")
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1, "the run's artifacts were read with an installation token")
                let statuses = await world.github.statuses(repository: TestWorld.repository, sha: "3484a3fb816e0859fd6e1cea078d76385ff50625")
                #expect(statuses.last?.state == "success")
                let comments = await world.github.comments(repository: TestWorld.repository, issue: 12)
                #expect(comments.count == 1)
                #expect(comments.first?.author == TestWorld.appBotLogin)
                #expect(await world.github.installationTokensIssued == 1, "one token serves the whole delivery")
                #expect(await world.github.refusedJWTs == 0)

                // The delivery's check run: queued, in progress, then completed with the report.
                let runs = await world.github.checkRuns(sha: "3484a3fb816e0859fd6e1cea078d76385ff50625")
                #expect(runs.count == 1)
                let run = try #require(runs.first)
                let id = try #require(answer.json["delivery_id"] as? String)
                #expect(run.name == "slipway")
                #expect(run.transitions == ["queued", "in_progress", "completed/success"])
                #expect(run.title == "Delivered to Google Play internal app sharing")
                let upload = try #require(await world.play.uploads(of: TestWorld.packageName).first)
                #expect(run.summary?.contains(upload.downloadURL) == true)
                #expect(run.detailsURL == "http://slipway.test/deliveries/\(id)")
                #expect(run.externalID == id)
            }
        }
    }

    @Test func aTokenGitHubStopsAcceptingIsReplacedOnceAndTheNextBuildStillGoesThrough() async throws {
        try await TestWorld.with(githubApp: true) { world in
            let first = await world.addRun(apk: TestWorld.fakeAPK(seed: 32), runID: 501)
            let second = await world.addRun(apk: TestWorld.fakeAPK(seed: 33), runID: 502)
            try await world.withServer { server in
                let one = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: first, pr: 13))
                _ = try await world.waitForDelivery(server, id: try #require(one.json["delivery_id"] as? String))
                await world.github.expireInstallationTokens()  // GitHub revoked it, or the hour passed early
                let two = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: second, pr: 14, sha: "b".padding(toLength: 40, withPad: "b", startingAt: 0)))
                let delivery = try await world.waitForDelivery(server, id: try #require(two.json["delivery_id"] as? String))
                #expect(delivery["state"] as? String == "done")
                #expect(await world.github.installationTokensIssued == 2)
                #expect(await world.github.comments(repository: TestWorld.repository, issue: 14).count == 1)
            }
        }
    }

    @Test func aFailedStoreIsReDeliveredFromTheCheckRunsButton() async throws {
        try await TestWorld.with(githubApp: true) { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 34), runID: 540)
            await world.play.enqueue(.status(403, reason: "userInsufficientPermission", message: "The caller does not have permission"))
            try await world.withServer { server in
                let answer = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 15))
                let id = try #require(answer.json["delivery_id"] as? String)
                #expect(try await world.waitForDelivery(server, id: id)["state"] as? String == "failed")
                let sha = "3484a3fb816e0859fd6e1cea078d76385ff50625"
                let failedRun = try #require(await world.github.checkRuns(sha: sha).first)
                #expect(failedRun.transitions.last == "completed/failure")
                #expect(failedRun.actions == ["redeliver"])

                // Someone presses the button: GitHub sends a check_run requested_action webhook.
                let press = Data(
                    #"{"action":"requested_action","requested_action":{"identifier":"redeliver"},"check_run":{"id":\#(failedRun.id),"name":"slipway","external_id":"\#(id)"},"repository":{"full_name":"acme/app"}}"#.utf8)
                let pressed = try await world.postGitHub(server, body: press, event: "check_run")
                #expect(pressed.status == 202)
                #expect((pressed.json["reason"] as? String)?.contains("re-delivering play") == true)
                let again = try await world.waitForDelivery(server, id: id)
                #expect(again["state"] as? String == "done")
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
                let run = try #require(await world.github.checkRuns(sha: sha).first)
                #expect(run.id == failedRun.id, "the same check run is updated")
                #expect(run.transitions.last == "completed/success")
                #expect(run.actions.isEmpty, "nothing left to re-deliver")

                // A second press finds nothing failed.
                let idle = try await world.postGitHub(server, body: press, event: "check_run")
                #expect(idle.status == 200 && (idle.json["reason"] as? String)?.contains("no failed store") == true)
            }
        }
    }
}
