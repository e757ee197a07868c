import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayFakes
import Testing

/// Issue 15 §1 over real sockets: `repo_rules` lets `acme/app` carry `.slipway.yml`; Slipway reads
/// it at each build's commit from the fake GitHub (contents + blobs API) or GitLab (repository
/// files API), refuses what the policy does not allow on the file's line while the server's rules
/// still deliver, and reads an unchanged blob once.
@Suite("Rules in the app's repository", .serialized)
struct RepositoryRulesTests {
    static let policy = """
        repo_rules:
          - repos: ["acme/*"]
            stores: [applivery]
        """

    static let releaseRules = """
        version: 1
        rules:
          - name: release builds to Applivery
            branches: ["release/*"]
            events: [push]
            artifact: "**/*.apk"
            stores: [applivery]
        """

    /// POSTs a GitLab hook to the server.
    static func post(
        _ hook: (headers: [String: String], body: Data), to server: String, in world: TestWorld
    ) async throws -> (status: Int, json: [String: Any]) {
        var request = HTTPClientRequest(url: server + "/webhooks/gitlab")
        request.method = .POST
        for (name, value) in hook.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: hook.body))
        return try await world.send(request)
    }

    static let shaA = "aaaa000000000000000000000000000000000001"
    static let shaB = "bbbb000000000000000000000000000000000002"

    @Test func aBuildRoutedByItsRepositorysFileIsDeliveredThere() async throws {
        try await TestWorld.with(extra: .init(topLevel: Self.policy)) { world in
            await world.github.commit(Self.shaA, in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules])
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 51), runID: 5101)
            try await world.withServer { server in
                // No server rule takes release/* pushes; the repository's file does.
                let reply = try await world.postGitHub(
                    server, body: TestWorld.workflowRunBody(runID: runID, pr: nil, branch: "release/1.0", sha: Self.shaA))
                #expect(reply.status == 202, "\(reply.json)")
                let id = try #require(reply.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done", "\(delivery)")
                #expect(await world.applivery.uploads.count == 1)
                #expect(await world.play.uploads(of: TestWorld.packageName).isEmpty)
                #expect(delivery["matched_rules"] as? [String] == ["release builds to Applivery"], "\(delivery)")
            }
        }
    }

    @Test func aStoreThePolicyDoesNotAllowIsRefusedOnItsLineAndTheServersRulesStillDeliver() async throws {
        let file = """
            version: 1
            rules:
              - name: PR builds everywhere
                branches: ["feature/*"]
                artifact: "**/*.apk"
                stores: [applivery, play-beta]
            """
        try await TestWorld.with(extra: .init(topLevel: Self.policy)) { world in
            await world.github.commit(Self.shaA, in: TestWorld.repository, files: [".slipway.yml": file])
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 52), runID: 5201)
            try await world.withServer { server in
                let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 42, sha: Self.shaA))
                #expect(reply.status == 202, "\(reply.json)")
                let id = try #require(reply.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done", "\(delivery)")
                // The server's PR rule delivered to Play; the refused rule sent nothing to Applivery or play-beta.
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
                #expect(await world.play.uploads(of: TestWorld.betaPackageName).isEmpty)
                #expect(await world.applivery.uploads.isEmpty)

                let statuses = await world.github.statuses(repository: TestWorld.repository, sha: Self.shaA)
                let rules = try #require(statuses.last { $0.context == "slipway/rules" }, "\(statuses.map(\.context))")
                #expect(rules.state == "error")
                #expect(rules.description?.contains("acme/app@aaaa000:.slipway.yml:6:") == true, "\(rules.description ?? "")")
                #expect(statuses.contains { $0.context == "slipway/play" && $0.state == "success" })
                let comment = await world.github.comments(repository: TestWorld.repository, issue: 42).first?.body ?? ""
                #expect(comment.contains("acme/app@aaaa000:.slipway.yml:6: rule \"PR builds everywhere\" names store \"play-beta\""), "\(comment)")
                #expect(comment.contains("ask the Slipway operator"))
            }
        }
    }

    @Test func eachBuildUsesItsOwnCommitsFileAndAnUnchangedBlobIsReadOnce() async throws {
        let hotfixOnly = Self.releaseRules.replacingOccurrences(of: "release/*", with: "hotfix/*")
        let shaC = "cccc000000000000000000000000000000000003"
        try await TestWorld.with(extra: .init(topLevel: Self.policy)) { world in
            await world.github.commit(Self.shaA, in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules])
            await world.github.commit(Self.shaB, in: TestWorld.repository, files: [".slipway.yml": hotfixOnly])
            await world.github.commit(shaC, in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules, "app/build.gradle": "x"])
            for runID: Int64 in [5301, 5302, 5303] { _ = await world.addRun(apk: TestWorld.fakeAPK(seed: UInt8(runID % 200)), runID: runID) }
            try await world.withServer { server in
                let atA = try await world.postGitHub(
                    server, body: TestWorld.workflowRunBody(runID: 5301, pr: nil, branch: "release/2.0", sha: Self.shaA))
                #expect(atA.status == 202, "\(atA.json)")
                // The file at B no longer routes release/*: that build is ignored, naming the file's rule.
                let atB = try await world.postGitHub(
                    server, body: TestWorld.workflowRunBody(runID: 5302, pr: nil, branch: "release/2.0", sha: Self.shaB))
                #expect(atB.status == 200 && atB.json["status"] as? String == "ignored", "\(atB.json)")
                #expect((atB.json["reason"] as? String ?? "").contains("rule \"release builds to Applivery\": branch release/2.0 matches none of [\"hotfix/*\"]"))
                // C carries A's file unchanged: its blob comes from the cache.
                let atC = try await world.postGitHub(
                    server, body: TestWorld.workflowRunBody(runID: 5303, pr: nil, branch: "release/2.0", sha: shaC))
                #expect(atC.status == 202, "\(atC.json)")
                #expect(await world.github.gitBlobsServed == 2, "blobs of A and B read, C's from the cache")
                let listings = await world.github.requestLog.filter { $0.hasPrefix("GET contents") }
                #expect(listings.count == 3, "\(listings)")
                for reply in [atA, atC] {
                    let delivery = try await world.waitForDelivery(server, id: try #require(reply.json["delivery_id"] as? String))
                    #expect(delivery["state"] as? String == "done")
                }
                #expect(await world.applivery.uploads.count == 2)
            }
        }
    }

    @Test func aFileTheHostCannotServeIs503AndNothingIsAccepted() async throws {
        try await TestWorld.with(extra: .init(topLevel: Self.policy)) { world in
            await world.github.commit(Self.shaA, in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules])
            await world.github.enqueue(.status(502, message: "Server Error"), on: .contents)
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 54), runID: 5401)
            try await world.withServer { server in
                let body = TestWorld.workflowRunBody(runID: runID, pr: nil, branch: "release/1.0", sha: Self.shaA)
                let refused = try await world.postGitHub(server, body: body)
                #expect(refused.status == 503, "\(refused.json)")
                #expect((refused.json["error"] as? String ?? "").contains("could not read acme/app@aaaa000:.slipway.yml"))
                // Sent again (a redelivery, or reconciliation), it is accepted.
                let again = try await world.postGitHub(server, body: body)
                #expect(again.status == 202, "\(again.json)")
            }
        }
    }

    @Test func aGitLabProjectsFileIsReadThroughTheRepositoryFilesAPI() async throws {
        let sha = "dddd000000000000000000000000000000000004"
        try await TestWorld.with(extra: .init(topLevel: Self.policy)) { world in
            await world.gitlab.commit(sha, in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules])
            await world.gitlab.addJobArtifacts(project: 7, jobID: 377, files: ["build/app-release.apk": TestWorld.fakeAPK(seed: 55)])
            try await world.withServer { server in
                let hook = FakeGitLabHook.pipeline(
                    token: TestWorld.gitlabWebhookToken, projectID: 7, path: TestWorld.repository, pipelineID: 955,
                    ref: "release/3.0", sha: sha, jobs: ["assemble-release": 377])
                let reply = try await Self.post(hook, to: server, in: world)
                #expect(reply.status == 202, "\(reply.json)")
                let delivery = try await world.waitForDelivery(server, id: try #require(reply.json["delivery_id"] as? String))
                #expect(delivery["state"] as? String == "done", "\(delivery)")
                #expect(await world.applivery.uploads.count == 1)
                let log = await world.gitlab.requestLog
                #expect(log.contains("HEAD file acme/app@\(sha):.slipway.yml"), "\(log)")
                #expect(await world.gitlab.rawBlobsServed == 1)
            }
        }
    }

    @Test func aPullRequestChangingTheFileGetsOneBeforeAfterCommentEditedByTheNextPush() async throws {
        let withPRRule = Self.releaseRules + """

              - name: PR builds to Applivery
                branches: ["feature/*"]
                events: [pull_request]
                stores: [applivery]
            """
        let broken = withPRRule.replacingOccurrences(of: "events: [pull_request]\n    stores: [applivery]", with: "events: [pull_request]\n    stores: [play-beta]")
        try await TestWorld.with(extra: .init(topLevel: Self.policy)) { world in
            await world.github.commit("main", in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules])
            await world.github.commit(Self.shaA, in: TestWorld.repository, files: [".slipway.yml": withPRRule])
            await world.github.commit(Self.shaB, in: TestWorld.repository, files: [".slipway.yml": broken])
            for runID: Int64 in [5601, 5602] { _ = await world.addRun(apk: TestWorld.fakeAPK(seed: UInt8(runID % 200)), runID: runID) }
            try await world.withServer { server in
                func rulesComments() async -> [String] {
                    await world.github.comments(repository: TestWorld.repository, issue: 42).map(\.body)
                        .filter { $0.contains("<!-- slipway:rules-change github:acme/app#42 -->") }
                }
                let first = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: 5601, pr: 42, sha: Self.shaA))
                #expect(first.status == 202, "\(first.json)")
                _ = try await world.waitForDelivery(server, id: try #require(first.json["delivery_id"] as? String))
                let before = await rulesComments()
                #expect(before.count == 1)
                let body = before.first ?? ""
                #expect(body.contains("`acme/app@aaaa000:.slipway.yml` compared with the file on `main`"), "\(body)")
                #expect(body.contains("✅ The file is valid."))
                #expect(body.contains("| `feature/*` | pull_request | play | **play, applivery** |"), "\(body)")
                #expect(body.contains("| `feature/*` | push | play | no change |"))
                #expect(body.contains("| `release/*` | push | applivery | no change |"))
                // The PR build itself went to both, as the new file says.
                #expect(await world.applivery.uploads.count == 1)

                let second = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: 5602, pr: 42, sha: Self.shaB))
                #expect(second.status == 202, "\(second.json)")
                _ = try await world.waitForDelivery(server, id: try #require(second.json["delivery_id"] as? String))
                let after = await rulesComments()
                #expect(after.count == 1, "edited in place, not a second comment")
                let edited = after.first ?? ""
                #expect(edited.contains("`acme/app@bbbb000:.slipway.yml`"))
                #expect(edited.contains("❌ 1 problem(s)") && edited.contains("names store \"play-beta\""), "\(edited)")
                #expect(edited.contains("| `feature/*` | pull_request | play | no change |"), "the refused rule changes nothing: \(edited)")
            }
        }
    }


    @Test func withAGitHubAppTheChangeIsACheckRunTooFailingWhileTheFileHasProblems() async throws {
        let broken = Self.releaseRules.replacingOccurrences(of: "stores: [applivery]", with: "stores: [play-beta]")
        try await TestWorld.with(githubApp: true, extra: .init(topLevel: Self.policy)) { world in
            await world.github.commit("main", in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules])
            await world.github.commit(Self.shaA, in: TestWorld.repository, files: [".slipway.yml": broken])
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 57), runID: 5701)
            try await world.withServer { server in
                let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 42, sha: Self.shaA))
                #expect(reply.status == 202, "\(reply.json)")
                _ = try await world.waitForDelivery(server, id: try #require(reply.json["delivery_id"] as? String))
                let runs = await world.github.checkRuns(sha: Self.shaA)
                let rules = try #require(runs.first { $0.name == "slipway/rules" }, "\(runs.map(\.name))")
                #expect(rules.status == "completed" && rules.conclusion == "failure")
                #expect(rules.title == "1 problem(s) in the rules file")
                #expect(rules.summary?.contains("names store \"play-beta\"") == true)
                #expect(rules.actions.isEmpty, "no re-delivery button on the rules file's run")
                #expect(runs.contains { $0.name == "slipway" }, "the delivery keeps its own check run")
            }
        }
    }


    @Test func aGitLabMergeRequestChangingTheFileGetsOneNoteAndAFailedRulesStatus() async throws {
        let sha = "eeee000000000000000000000000000000000005"
        let broken = Self.releaseRules + """

              - name: MR builds to Amazon
                branches: ["feature/*"]
                stores: [amazon]
            """
        let reporting = FakeGitLabAPI(token: "glpat-reporting-0123")
        try await reporting.run { reportingURL in
            let extra = TestWorld.Extra(
                notifications: """
                  gitlab-mr:
                    type: gitlab
                    token: ${GITLAB_REPORT_TOKEN}
                    api_url: \(reportingURL)/api/v4
                """,
                topLevel: Self.policy, environment: ["GITLAB_REPORT_TOKEN": "glpat-reporting-0123"])
            try await TestWorld.with(extra: extra) { world in
                await world.gitlab.commit("main", in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules])
                await world.gitlab.commit(sha, in: TestWorld.repository, files: [".slipway.yml": broken])
                await world.gitlab.addJobArtifacts(project: 7, jobID: 377, files: ["build/app-debug.apk": TestWorld.fakeAPK(seed: 58)])
                try await world.withServer { server in
                    let hook = FakeGitLabHook.pipeline(
                        token: TestWorld.gitlabWebhookToken, projectID: 7, path: TestWorld.repository, pipelineID: 958,
                        ref: "feature/login", sha: sha, mergeRequestIID: 5, jobs: ["app-debug": 377])
                    let reply = try await Self.post(hook, to: server, in: world)
                    #expect(reply.status == 202, "\(reply.json)")
                    _ = try await world.waitForDelivery(server, id: try #require(reply.json["delivery_id"] as? String))
                    let notes = await reporting.notes(project: TestWorld.repository, mergeRequest: 5)
                    let rules = notes.filter { $0.body.contains("<!-- slipway:rules-change gitlab:acme/app!5 -->") }
                    #expect(rules.count == 1, "\(notes.map(\.body))")
                    #expect(rules.first?.body.contains("compared with the file on `main`") == true)
                    #expect(rules.first?.body.contains("names store \"amazon\"") == true)
                    let statuses = await reporting.statuses(project: TestWorld.repository, sha: sha)
                    #expect(statuses.contains { $0.name == "slipway/rules" && $0.state == "failed" }, "\(statuses)")
                    #expect(statuses.contains { $0.name == "slipway/play" && $0.state == "success" })
                }
            }
        }
    }


    @Test func aBaseBranchWithQueryCharactersInItsNameIsReadAsThatBranch() async throws {
        let base = "support/v1+x&y"
        try await TestWorld.with(extra: .init(topLevel: Self.policy)) { world in
            let withHotfixes = Self.releaseRules + "\n  - name: hotfixes\n    branches: [\"hotfix/*\"]\n    events: [push]\n    stores: [applivery]\n"
            await world.github.commit(base, in: TestWorld.repository, files: [".slipway.yml": Self.releaseRules])
            await world.github.commit(Self.shaA, in: TestWorld.repository, files: [".slipway.yml": withHotfixes])
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 59), runID: 5901)
            try await world.withServer { server in
                let reply = try await world.postGitHub(
                    server, body: TestWorld.workflowRunBody(runID: runID, pr: 43, sha: Self.shaA, base: base))
                #expect(reply.status == 202, "\(reply.json)")
                _ = try await world.waitForDelivery(server, id: try #require(reply.json["delivery_id"] as? String))
                let comment = await world.github.comments(repository: TestWorld.repository, issue: 43).map(\.body)
                    .first { $0.contains("<!-- slipway:rules-change github:acme/app#43 -->") } ?? ""
                #expect(comment.contains("compared with the file on `\(base)`"), "\(comment)")
                // Read as that branch, the base file has the release rule already: only hotfixes change.
                #expect(comment.contains("| `release/*` | push | applivery | no change |"), "\(comment)")
                #expect(comment.contains("| `hotfix/*` | push | not delivered | **applivery** |"), "\(comment)")
            }
        }
    }

}
