import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayFakes
import SlipwayQueue
import SlipwayServer
import Testing

/// Builds whose webhook never arrived, found by asking the CI (issue 11 §1), end to end over real
/// sockets against the fake GitHub and GitLab.
@Suite("Reconciliation of missed webhooks", .serialized)
struct ReconcileTests {
    static let access = TestWorld.defaultAccess + """

          reconcile:
            interval_seconds: 30
            grace_seconds: 60
        """
    let now = Date()

    /// A finished PR run of `acme/app` with an `app-debug` artifact, as GitHub lists it.
    func finishedRun(_ world: TestWorld, id: Int64, pr: Int, apk: Data) async -> FakeWorkflowRun {
        _ = await world.addRun(apk: apk, runID: id)
        let run = FakeWorkflowRun(
            id: id, repository: TestWorld.repository, event: "pull_request", headBranch: "feature/login", pullRequests: [pr],
            createdAt: now.addingTimeInterval(-1200), updatedAt: now.addingTimeInterval(-600))
        await world.github.record(run)
        return run
    }

    /// A successful `main` pipeline of the GitLab project `acme/app` with a release APK.
    func finishedPipeline(_ world: TestWorld, apk: Data) async -> FakeGitLabPipeline {
        let pipeline = FakeGitLabPipeline(
            id: 901, projectID: 7, path: TestWorld.repository, ref: "main", jobs: ["assemble-release": 377],
            createdAt: now.addingTimeInterval(-1200), updatedAt: now.addingTimeInterval(-600))
        await world.gitlab.addJobArtifacts(project: 7, jobID: 377, files: ["build/app-release.apk": apk])
        await world.gitlab.record(pipeline)
        return pipeline
    }

    var serving: SlipwayRuntime.Options {
        var options = SlipwayRuntime.Options.fast
        options.reconcileFirstDelay = .zero
        return options
    }

    @Test func aRunThatFinishedWhileTheServerWasDownIsDeliveredOnceAndTheLateWebhookIsADuplicate() async throws {
        try await TestWorld.with(serverExtra: Self.access) { world in
            let apk = TestWorld.fakeAPK(seed: 61)
            let run = await finishedRun(world, id: 8801, pr: 51, apk: apk)
            try await world.withServer(options: serving) { server in
                let found = try await world.waitForDelivery(server, source: IntakeSource.reconcile)
                let id = try #require(found["id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done")
                #expect(delivery["intake_note"] as? String == IntakeSource.reconciledNote)
                #expect(delivery["pull_request"] as? Int == 51)
                let uploads = await world.play.uploads(of: TestWorld.packageName)
                #expect(uploads.map(\.sha256) == [TestWorld.sha256Hex(apk)])
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: world.folder.appendingPathComponent("data").path)
                #expect(leftovers.isEmpty, "the artifact lives only while its delivery runs: \(leftovers)")

                let comments = await world.github.comments(repository: TestWorld.repository, issue: 51)
                #expect(comments.count == 1)
                #expect(comments.first?.body.contains("picked up by reconciliation — no webhook was received") == true)
                let statuses = await world.github.statuses(repository: TestWorld.repository, sha: run.headSHA)
                #expect(statuses.last?.description?.contains("picked up by reconciliation") == true)
                let chat = await world.slack.messages
                #expect(chat.count == 1)
                let chatText = String(decoding: chat.first?.blocks ?? Data(), as: UTF8.self)
                #expect(chatText.contains("picked up by reconciliation"), "the chat message says so too")
                let page = try await world.sendText("\(server)/deliveries/\(id)")
                #expect(page.text.contains("Received via reconcile"))
                #expect(page.text.contains("no webhook was received"))

                // Counted when the pass ends, which may be a moment after its delivery finished.
                var metrics = ""
                for _ in 0..<50 {
                    metrics = try await world.sendText("\(server)/metrics").text
                    if metrics.contains("slipway_reconciled_builds_total") { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(
                    metrics.contains(#"slipway_reconciled_builds_total{outcome="enqueued",source="github"} 1"#)
                        || metrics.contains(#"slipway_reconciled_builds_total{source="github",outcome="enqueued"} 1"#),
                    "each reconciled build counts as a missed webhook: \(metrics.split(separator: "\n").filter { $0.contains("reconciled") })")

                let late = try await world.postGitHub(server, body: run.webhookBody)
                #expect(late.status == 200)
                #expect(late.json["status"] as? String == "duplicate")
                #expect(late.json["delivery_id"] as? String == id)
                let all = try await world.getJSON("\(server)/api/deliveries").json["deliveries"] as? [[String: Any]] ?? []
                #expect(all.count == 1, "delivered exactly once")
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
            }
        }
    }

    @Test func aMissedGitLabPipelineIsDeliveredOnceAndItsLateHookIsADuplicate() async throws {
        try await TestWorld.with(serverExtra: Self.access) { world in
            let apk = TestWorld.fakeAPK(seed: 62)
            let pipeline = await finishedPipeline(world, apk: apk)
            try await world.withServer(options: serving) { server in
                let found = try await world.waitForDelivery(server, source: IntakeSource.reconcile)
                let id = try #require(found["id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done")
                #expect(delivery["branch"] as? String == "main")
                #expect(await world.play.uploads(of: TestWorld.packageName).map(\.sha256) == [TestWorld.sha256Hex(apk)])

                let hook = pipeline.hook(token: TestWorld.gitlabWebhookToken)
                var request = HTTPClientRequest(url: server + "/webhooks/gitlab")
                request.method = .POST
                for (name, value) in hook.headers { request.headers.add(name: name, value: value) }
                request.body = .bytes(ByteBuffer(bytes: hook.body))
                let late = try await world.send(request)
                #expect(late.json["status"] as? String == "duplicate")
                #expect(late.json["delivery_id"] as? String == id)
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
            }
        }
    }

    @Test func aRateLimitedSourceWaitsWhileTheOthersGoOn() async throws {
        try await TestWorld.with(serverExtra: Self.access) { world in
            _ = await finishedRun(world, id: 8802, pr: 52, apk: TestWorld.fakeAPK(seed: 63))
            _ = await finishedPipeline(world, apk: TestWorld.fakeAPK(seed: 64))
            await world.github.enqueue(.rateLimitExhausted(resetInSeconds: 900), on: .listRuns)
            try await world.withRuntime { runtime in
                let logger = Logger(label: "test")
                let first = await runtime.reconciler().pass(logger: logger)
                let github = try #require(first.sources.first { $0.provider == .github })
                let gitlab = try #require(first.sources.first { $0.provider == .gitlab })
                let until = try #require(github.pausedUntil)
                #expect(abs(until.timeIntervalSinceNow - 900) < 10, "paused until x-ratelimit-reset")
                #expect(github.repositories.flatMap(\.enqueued).isEmpty)
                #expect(gitlab.repositories.flatMap(\.enqueued).count == 1, "GitLab goes on")
                #expect(first.text.contains("github: rate limited; asked again after"))

                let listingsBefore = await world.github.requestLog.filter { $0.hasPrefix("GET runs") }.count
                let second = await runtime.reconciler().pass(logger: logger)
                #expect(second.sources.first { $0.provider == .github }?.pausedUntil == until, "still paused, from the job store")
                #expect(await world.github.requestLog.filter { $0.hasPrefix("GET runs") }.count == listingsBefore, "GitHub is not asked while paused")
                let deliveries = try await runtime.jobStore.recentDeliveries(limit: 10)
                #expect(deliveries.map(\.event.provider) == [.gitlab])
            }
        }
    }

    @Test func aDryRunEnqueuesNothingAndCursorsSpareTheNextPasses() async throws {
        try await TestWorld.with(serverExtra: Self.access) { world in
            _ = await finishedRun(world, id: 8803, pr: 53, apk: TestWorld.fakeAPK(seed: 65))
            let fixed = now
            try await world.withRuntime { runtime in
                let reconciler = Reconciler(
                    config: runtime.config, jobStore: runtime.jobStore, listers: runtime.buildListers, now: { fixed })
                let logger = Logger(label: "test")
                let dry = await reconciler.pass(dryRun: true, logger: logger)
                #expect(dry.enqueuedCount == 1)
                #expect(dry.sources.flatMap(\.repositories).flatMap(\.enqueued).allSatisfy { $0.deliveryID == nil })
                #expect(dry.text.contains("1 would be enqueued"))
                #expect(dry.text.contains("github:acme/app#8803.1"))
                #expect(try await runtime.jobStore.recentDeliveries(limit: 10).isEmpty, "a dry run enqueues nothing")

                let real = await reconciler.pass(logger: logger)
                #expect(real.enqueuedCount == 1, "the dry run moved no cursor")
                let deliveries = try await runtime.jobStore.recentDeliveries(limit: 10)
                #expect(deliveries.map(\.source) == [IntakeSource.reconcile])
                #expect(deliveries.first?.externalID == "reconcile:github:acme/app#8803.1")

                let again = await reconciler.pass(logger: logger)
                #expect(again.enqueuedCount == 0)
                #expect(again.sources.first { $0.provider == .github }?.repositories.first?.unchanged == true)
                #expect(await world.github.runListingsNotModified == 1, "an unchanged listing is a 304")
            }
            // A restart reads the cursor back: still a 304, nothing looked at again.
            try await world.withRuntime { runtime in
                let reconciler = Reconciler(
                    config: runtime.config, jobStore: runtime.jobStore, listers: runtime.buildListers, now: { fixed })
                let afterRestart = await reconciler.pass(logger: Logger(label: "test"))
                #expect(afterRestart.enqueuedCount == 0)
                #expect(await world.github.runListingsNotModified == 2)
            }
        }
    }

    @Test func theCommandPrintsEachRepositoryAndADryRunChangesNothing() async throws {
        try await TestWorld.with(serverExtra: Self.access) { world in
            _ = await finishedRun(world, id: 8805, pr: 55, apk: TestWorld.fakeAPK(seed: 67))
            let cli = CommandLineTests()
            let dry = try await cli.slipwayOffThePool(["reconcile", "--config", world.configPath, "--dry-run"], environment: world.environment)
            #expect(dry.status == 0, "\(dry.errors)")
            #expect(dry.output.contains("github acme/app: 1 finished, 1 would be enqueued"), "\(dry.output)")
            #expect(dry.output.contains("→ run 8805 on feature/login (github:acme/app#8805.1) to play"))
            #expect(dry.output.contains("gitlab acme/app: not found"), "the GitLab source does not have this project")
            #expect(dry.output.contains("dry run: 1 build(s) would be enqueued; nothing was changed"))

            let real = try await cli.slipwayOffThePool(["reconcile", "--config", world.configPath, "--since", "2h"], environment: world.environment)
            #expect(real.status == 0, "\(real.errors)")
            #expect(real.output.contains("1 enqueued"))
            #expect(real.output.contains(" as dlv_"))
            let again = try await cli.slipwayOffThePool(["reconcile", "--config", world.configPath, "--since", "2h"], environment: world.environment)
            #expect(again.output.contains("1 already delivered, 0 enqueued"), "\(again.output)")

            let bad = try await cli.slipwayOffThePool(["reconcile", "--config", world.configPath, "--since", "soon"], environment: world.environment)
            #expect(bad.status == 64)
            #expect(bad.errors.contains("write 90m, 6h or 2d"))
            #expect(!(dry.output + real.output + dry.errors + real.errors).contains(TestWorld.gitHubToken), "no token printed")
        }
    }

    @Test func tooRecentBuildsAreLeftToTheirWebhook() async throws {
        try await TestWorld.with(serverExtra: Self.access) { world in
            _ = await world.addRun(apk: TestWorld.fakeAPK(seed: 66), runID: 8804)
            await world.github.record(
                FakeWorkflowRun(
                    id: 8804, repository: TestWorld.repository, event: "pull_request", headBranch: "feature/login", pullRequests: [54],
                    createdAt: now.addingTimeInterval(-100), updatedAt: now.addingTimeInterval(-10)))
            try await world.withRuntime { runtime in
                let report = await runtime.reconciler().pass(logger: Logger(label: "test"))
                #expect(report.enqueuedCount == 0)
                #expect(report.sources.first { $0.provider == .github }?.repositories.first?.tooRecent == 1)
                #expect(report.text.contains("1 too recent"))
            }
        }
    }
}

/// Several replicas reconciling against one job store: exactly one pass per interval, and a
/// replica that dies mid-interval is taken over once its lease runs out.
@Suite("Reconciliation across replicas", .serialized)
struct ReconcileReplicaTests {
    static let postgresURL = ProcessInfo.processInfo.environment["SLIPWAY_TEST_POSTGRES_URL"]

    /// SQLite always; PostgreSQL (each replica its own runtime and pool) when a server is available.
    static var databases: [String] { ["sqlite"] + (postgresURL == nil ? [] : ["postgres"]) }

    func loop(_ runtime: SlipwayRuntime, holder: String, interval: Duration) -> ReconcileLoop {
        ReconcileLoop(
            reconciler: runtime.reconciler(), jobStore: runtime.jobStore, interval: interval, firstDelay: .zero, holder: holder,
            metrics: runtime.metrics, logger: Logger(label: "test"))
    }

    @Test(arguments: databases)
    func twoReplicasReconcilingAtTheSameMomentDeliverOnce(database: String) async throws {
        var url: String?
        if database == "postgres", let base = Self.postgresURL {
            url = base + (base.contains("?") ? "&" : "?") + "schema=reconcile_\(UInt32.random(in: 0...UInt32.max))"
        }
        try await TestWorld.with(database: url, serverExtra: ReconcileTests.access) { world in
            let now = Date()
            _ = await world.addRun(apk: TestWorld.fakeAPK(seed: 70), runID: 8901)
            await world.github.record(
                FakeWorkflowRun(
                    id: 8901, repository: TestWorld.repository, event: "pull_request", headBranch: "feature/login", pullRequests: [61],
                    createdAt: now.addingTimeInterval(-1200), updatedAt: now.addingTimeInterval(-600)))
            try await world.withRuntime { runtimeA in
                try await world.withRuntime { runtimeB in
                    let a = loop(runtimeA, holder: "replica-a", interval: .seconds(1))
                    let b = loop(runtimeB, holder: "replica-b", interval: .seconds(1))
                    async let reportA = a.runOnce()
                    async let reportB = b.runOnce()
                    let reports = await [reportA, reportB]
                    #expect(reports.compactMap { $0 }.count == 1, "one replica holds the lease and runs the pass")
                    #expect(reports.compactMap { $0 }.first?.enqueuedCount == 1)
                    let deliveries = try await runtimeA.jobStore.recentDeliveries(limit: 10)
                    #expect(deliveries.count == 1, "delivered once")

                    // The holder "dies" (runs no more passes); the other waits out its lease, then takes over.
                    let holder = reports[0] != nil ? a : b
                    let other = reports[0] != nil ? b : a
                    #expect(await other.runOnce() == nil, "the lease still holds")
                    try await Task.sleep(for: .milliseconds(1300))
                    let takeover = await other.runOnce()
                    #expect(takeover != nil, "taken over once the lease ran out")
                    #expect(takeover?.enqueuedCount == 0)
                    #expect(await holder.runOnce() == nil, "and the first replica now waits in turn")
                }
            }
        }
    }
}
