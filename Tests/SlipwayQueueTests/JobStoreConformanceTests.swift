import Foundation
import SlipwayCore
import SlipwayQueue
import Testing

/// What every `JobStore` must do. Each test runs once per store kind: SQLite on a temp file
/// always, PostgreSQL when `SLIPWAY_TEST_POSTGRES_URL` is set (otherwise that case is skipped).
@Suite("JobStore conformance")
struct JobStoreConformanceTests {
    /// Shows up as skipped, with the reason, when the PostgreSQL cases do not run.
    @Test(
        "PostgreSQL cases run",
        .enabled(
            if: StoreKind.postgresURL != nil,
            "SLIPWAY_TEST_POSTGRES_URL is not set, so every PostgreSQL case is skipped; run scripts/with-postgres.sh swift test"
        ))
    func postgresCasesRun() async throws {
        try await TestDatabase(.postgres).with { store in #expect(await store.ping()) }
    }

    // MARK: Accepting deliveries

    @Test("accept stores the delivery and queues its deliver job", arguments: StoreKind.available)
    func acceptStoresDeliveryAndJob(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let incoming = Fixtures.delivery()
            let id = try await store.accept(incoming).acceptedID()
            #expect(id.hasPrefix("dlv_"))

            let record = try #require(try await store.delivery(id: id))
            #expect(record.source == "github")
            #expect(record.externalID == incoming.externalID)
            #expect(record.event == incoming.event)
            #expect(record.plan == incoming.plan)
            #expect(record.state == .queued)
            #expect(record.lastError == nil)
            #expect(record.receivedAt == t0)
            #expect(record.results.isEmpty)

            let job = try #require(try await store.claim(workerID: "w1", lease: .seconds(60), now: t0))
            #expect(job.deliveryID == id)
            #expect(job.kind == .deliver)
            #expect(job.attempts == 1)
            #expect(job.payload == nil)
        }
    }

    @Test("a re-delivered webhook id is a duplicate of the first delivery", arguments: StoreKind.available)
    func duplicateByExternalID(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let first = try await store.accept(Fixtures.delivery(externalID: "hook-1")).acceptedID()
            // Same webhook id, even for another build: the sender re-delivered it.
            let again = try await store.accept(Fixtures.delivery(externalID: "hook-1", event: Fixtures.event()))
            #expect(again == .duplicate(deliveryID: first))
            // Only one job was queued.
            #expect(try await store.claim(workerID: "w", lease: .seconds(60), now: t0) != nil)
            #expect(try await store.claim(workerID: "w", lease: .seconds(60), now: t0) == nil)
        }
    }

    @Test("the same build under a new webhook id is a duplicate", arguments: StoreKind.available)
    func duplicateByBuildKey(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let event = Fixtures.event(buildID: "run-77")
            let first = try await store.accept(Fixtures.delivery(externalID: "hook-a", event: event)).acceptedID()
            let again = try await store.accept(Fixtures.delivery(externalID: "hook-b", event: event))
            #expect(again == .duplicate(deliveryID: first))

            // A re-run (next attempt) of the same build is a new build.
            let rerun = try await store.accept(
                Fixtures.delivery(externalID: "hook-c", event: Fixtures.event(buildID: "run-77", attempt: 2)))
            _ = try rerun.acceptedID()
        }
    }

    @Test("a burst of concurrent accepts is all committed when each returns, duplicates included", arguments: StoreKind.available)
    func concurrentAcceptsAreCommittedOnReturn(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            // 60 webhooks at once: 50 builds, 10 of them sent twice under another webhook id.
            let events = (0..<50).map { Fixtures.event(buildID: "burst-\($0)") }
            let deliveries = events.enumerated().map { Fixtures.delivery(externalID: "hook-\($0.offset)", event: $0.element) }
                + events.prefix(10).enumerated().map { Fixtures.delivery(externalID: "again-\($0.offset)", event: $0.element) }
            let outcomes = try await withThrowingTaskGroup(of: (String, AcceptOutcome, Bool).self) { group in
                for delivery in deliveries {
                    group.addTask {
                        let outcome = try await store.accept(delivery)
                        // Readable the moment accept returns: committed, not just queued.
                        let id: String
                        switch outcome {
                        case .accepted(let deliveryID), .duplicate(let deliveryID): id = deliveryID
                        }
                        return (delivery.event.buildKey, outcome, try await store.delivery(id: id) != nil)
                    }
                }
                var all: [(String, AcceptOutcome, Bool)] = []
                for try await item in group { all.append(item) }
                return all
            }
            let committed = outcomes.filter(\.2).count
            #expect(committed == outcomes.count, "every delivery is in the database when its accept returns")
            let accepted = outcomes.filter { if case .accepted = $0.1 { true } else { false } }
            #expect(accepted.count == 50, "one delivery per build")
            #expect(Set(accepted.map(\.0)).count == 50)
            for (key, outcome, _) in outcomes {
                guard case .duplicate(let id) = outcome else { continue }
                #expect(accepted.contains { $0.0 == key && $0.1 == .accepted(deliveryID: id) }, "a duplicate names its build's delivery")
            }
            var jobs = 0
            while try await store.claim(workerID: "w", lease: .seconds(60), now: t0.addingTimeInterval(1)) != nil { jobs += 1 }
            #expect(jobs == 50, "one deliver job per accepted delivery")
        }
    }

    @Test("an accepted delivery survives closing and reopening the database", arguments: StoreKind.available)
    func acceptSurvivesRestart(kind: StoreKind) async throws {
        let database = try TestDatabase(kind)
        defer { database.removeFiles() }
        let first = try await database.open()
        let id = try await first.accept(Fixtures.delivery(externalID: "before-crash")).acceptedID()
        try await first.close()

        let reopened = try await database.open()  // migrate() again on an up-to-date schema is a no-op
        let record = try await reopened.delivery(id: id)
        #expect(record?.externalID == "before-crash")
        let job = try await reopened.claim(workerID: "after-restart", lease: .seconds(60), now: t0)
        #expect(job?.deliveryID == id)
        #expect(try await reopened.accept(Fixtures.delivery(externalID: "before-crash")) == .duplicate(deliveryID: id))
        try await reopened.close()
    }

    // MARK: Claiming

    @Test("claim takes the oldest due job and leaves future ones", arguments: StoreKind.available)
    func claimOrder(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let later = try await store.accept(Fixtures.delivery(receivedAt: t0 + 20)).acceptedID()
            let oldest = try await store.accept(Fixtures.delivery(receivedAt: t0)).acceptedID()
            let middle = try await store.accept(Fixtures.delivery(receivedAt: t0 + 10)).acceptedID()
            let pollID = try await store.enqueue(
                deliveryID: oldest, kind: .poll, runAt: t0 + 3600, payload: #"{"store":"ignite"}"#)

            let now = t0 + 15
            let first = try await store.claim(workerID: "w", lease: .seconds(60), now: now)
            let second = try await store.claim(workerID: "w", lease: .seconds(60), now: now)
            #expect(first?.deliveryID == oldest)
            #expect(second?.deliveryID == middle)
            #expect(try await store.claim(workerID: "w", lease: .seconds(60), now: now) == nil)

            let third = try await store.claim(workerID: "w", lease: .seconds(60), now: t0 + 20)
            #expect(third?.deliveryID == later)
            for job in [first, second, third].compactMap(\.self) {
                try await store.complete(jobID: job.id, workerID: "w")
            }
            #expect(try await store.claim(workerID: "w", lease: .seconds(60), now: t0 + 3599) == nil)

            let poll = try #require(try await store.claim(workerID: "w", lease: .seconds(60), now: t0 + 3600))
            #expect(poll.id == pollID)
            #expect(poll.kind == .poll)
            #expect(poll.deliveryID == oldest)
            #expect(poll.payload == #"{"store":"ignite"}"#)
        }
    }

    @Test("a job whose lease ran out is reclaimed, and the old holder has lost it", arguments: StoreKind.available)
    func expiredLeaseIsReclaimed(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            _ = try await store.accept(Fixtures.delivery()).acceptedID()
            let held = try #require(try await store.claim(workerID: "crashed", lease: .seconds(60), now: t0))

            // Still leased: nobody else gets it.
            #expect(try await store.claim(workerID: "rescuer", lease: .seconds(60), now: t0 + 59) == nil)
            // A heartbeat extends the lease.
            try await store.heartbeat(jobID: held.id, workerID: "crashed", lease: .seconds(60), now: t0 + 30)
            #expect(try await store.claim(workerID: "rescuer", lease: .seconds(60), now: t0 + 89) == nil)

            let retaken = try #require(try await store.claim(workerID: "rescuer", lease: .seconds(60), now: t0 + 91))
            #expect(retaken.id == held.id)
            #expect(retaken.attempts == 2)

            await #expect(throws: JobStoreError.self) {
                try await store.complete(jobID: held.id, workerID: "crashed")
            }
            do {
                try await store.heartbeat(jobID: held.id, workerID: "crashed", lease: .seconds(60), now: t0 + 92)
                Issue.record("the old holder's heartbeat succeeded")
            } catch JobStoreError.leaseLost(let jobID) {
                #expect(jobID == held.id)
            }
            try await store.complete(jobID: retaken.id, workerID: "rescuer")
            #expect(try await store.claim(workerID: "anyone", lease: .seconds(60), now: t0 + 100_000) == nil)
            // A finished job is not held by anyone any more.
            await #expect(throws: JobStoreError.self) {
                try await store.fail(jobID: retaken.id, workerID: "rescuer", error: "late")
            }
        }
    }

    @Test("retry puts the job back at runAt; fail ends it", arguments: StoreKind.available)
    func retryAndFail(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            _ = try await store.accept(Fixtures.delivery()).acceptedID()
            let job = try #require(try await store.claim(workerID: "w", lease: .seconds(60), now: t0))
            try await store.retry(jobID: job.id, workerID: "w", error: "HTTP 503 from Play", runAt: t0 + 300)

            #expect(try await store.claim(workerID: "w", lease: .seconds(60), now: t0 + 299) == nil)
            let second = try #require(try await store.claim(workerID: "w2", lease: .seconds(60), now: t0 + 300))
            #expect(second.id == job.id)
            #expect(second.attempts == 2)

            // Only the holder may retry or fail it.
            await #expect(throws: JobStoreError.self) {
                try await store.retry(jobID: job.id, workerID: "w", error: "stale", runAt: t0)
            }
            try await store.fail(jobID: second.id, workerID: "w2", error: "HTTP 401: the service account has no access")
            #expect(try await store.claim(workerID: "w", lease: .seconds(60), now: t0 + 100_000) == nil)
        }
    }

    @Test("two claimers at once never get the same job", arguments: StoreKind.available)
    func concurrentClaimersTakeEachJobOnce(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let jobCount = 20
            for index in 0..<jobCount {
                _ = try await store.accept(Fixtures.delivery(receivedAt: t0 + Double(index))).acceptedID()
            }
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [Int64] = []
                        while let job = try await store.claim(
                            workerID: "worker-\(worker)", lease: .seconds(60), now: t0 + 1000)
                        {
                            mine.append(job.id)
                            try await store.complete(jobID: job.id, workerID: "worker-\(worker)")
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(claimed.count == jobCount)
            #expect(Set(claimed).count == jobCount)
        }
    }

    // MARK: Results, state and report references

    @Test("results upsert per store and keep the order they first arrived in", arguments: StoreKind.available)
    func resultsKeepFirstOrder(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let id = try await store.accept(Fixtures.delivery()).acceptedID()
            try await store.saveResult(deliveryID: id, result: Fixtures.result("zeta", .running, summary: "uploading"))
            try await store.saveResult(deliveryID: id, result: Fixtures.result("alpha", .pending, summary: "planned"))
            let done = Fixtures.result("zeta", .succeeded, summary: "uploaded")
            try await store.saveResult(deliveryID: id, result: done)

            let results = try await store.results(deliveryID: id)
            #expect(results.map(\.store) == ["zeta", "alpha"])
            #expect(results.first == done)
            #expect(try await store.delivery(id: id)?.results == results)
            #expect(try await store.results(deliveryID: "dlv_unknown").isEmpty)
        }
    }

    @Test("report references are saved, replaced and read back", arguments: StoreKind.available)
    func reportReferences(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let id = try await store.accept(Fixtures.delivery()).acceptedID()
            #expect(try await store.reportReference(deliveryID: id, key: "github.comment") == nil)
            try await store.saveReportReference(deliveryID: id, key: "github.comment", value: "1001")
            try await store.saveReportReference(deliveryID: id, key: "slack.ts", value: "1712.55")
            try await store.saveReportReference(deliveryID: id, key: "github.comment", value: "1002")
            #expect(try await store.reportReference(deliveryID: id, key: "github.comment") == "1002")
            #expect(try await store.reportReference(deliveryID: id, key: "slack.ts") == "1712.55")
        }
    }

    @Test("a shared value is stored by the first caller and returned unchanged to every later one", arguments: StoreKind.available)
    func sharedValueFirstWriterWins(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let first = try await store.sharedValue(named: "session-key", orStore: "first")
            let second = try await store.sharedValue(named: "session-key", orStore: "second")
            let other = try await store.sharedValue(named: "other", orStore: "x")
            #expect(first == "first")
            #expect(second == "first")
            #expect(other == "x")
        }
    }

    @Test("stored values are replaced by the last writer; unknown names are nil", arguments: StoreKind.available)
    func storedValuesAreReplaced(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            #expect(try await store.value(named: "reconcile-cursor:github:acme/app") == nil)
            try await store.setValue("one", named: "reconcile-cursor:github:acme/app")
            try await store.setValue("two", named: "reconcile-cursor:github:acme/app")
            try await store.setValue("other", named: "reconcile-pause:github")
            #expect(try await store.value(named: "reconcile-cursor:github:acme/app") == "two")
            #expect(try await store.value(named: "reconcile-pause:github") == "other")
        }
    }

    @Test("a build key finds the delivery accepted for it", arguments: StoreKind.available)
    func deliveryByBuildKey(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let event = Fixtures.event(buildID: "run-88")
            #expect(try await store.deliveryID(buildKey: event.buildKey) == nil)
            let id = try await store.accept(Fixtures.delivery(externalID: "hook-88", event: event)).acceptedID()
            #expect(try await store.deliveryID(buildKey: event.buildKey) == id)
            #expect(try await store.deliveryID(buildKey: Fixtures.event(buildID: "run-88", attempt: 2).buildKey) == nil)
        }
    }

    @Test("a lease is held by one holder until it expires or is given back", arguments: StoreKind.available)
    func leasesAreExclusiveUntilTheyExpire(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let now = Date()
            let first = try await store.tryLease("pr:acme/app#7", holder: "replica-a", until: now + 30, now: now)
            let taken = try await store.tryLease("pr:acme/app#7", holder: "replica-b", until: now + 30, now: now)
            let renewed = try await store.tryLease("pr:acme/app#7", holder: "replica-a", until: now + 60, now: now)
            let other = try await store.tryLease("pr:acme/app#8", holder: "replica-b", until: now + 30, now: now)
            let afterExpiry = try await store.tryLease("pr:acme/app#7", holder: "replica-b", until: now + 120, now: now + 61)
            try await store.releaseLease("pr:acme/app#7", holder: "replica-a")  // not a's any more: no effect
            let stillB = try await store.tryLease("pr:acme/app#7", holder: "replica-a", until: now + 130, now: now + 62)
            try await store.releaseLease("pr:acme/app#7", holder: "replica-b")
            let freed = try await store.tryLease("pr:acme/app#7", holder: "replica-a", until: now + 130, now: now + 62)
            #expect(first && !taken && renewed && other)
            #expect(afterExpiry && !stillB && freed)
        }
    }

    @Test("recent deliveries come newest first, with their state", arguments: StoreKind.available)
    func recentDeliveriesNewestFirst(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            let old = try await store.accept(Fixtures.delivery(receivedAt: t0)).acceptedID()
            let newest = try await store.accept(Fixtures.delivery(receivedAt: t0 + 120)).acceptedID()
            let middle = try await store.accept(Fixtures.delivery(receivedAt: t0 + 60)).acceptedID()
            try await store.setDeliveryState(deliveryID: middle, state: .failed, error: "Play said 403")
            try await store.saveResult(deliveryID: newest, result: Fixtures.result("play", .succeeded, summary: "ok"))

            let recent = try await store.recentDeliveries(limit: 2)
            #expect(recent.map(\.id) == [newest, middle])
            #expect(recent[0].results.map(\.store) == ["play"])
            #expect(recent[1].state == .failed)
            #expect(recent[1].lastError == "Play said 403")
            #expect(try await store.recentDeliveries(limit: 10).map(\.id) == [newest, middle, old])

            try await store.setDeliveryState(deliveryID: middle, state: .done, error: nil)
            let updated = try await store.delivery(id: middle)
            #expect(updated?.state == .done)
            #expect(updated?.lastError == nil)
            #expect(try await store.delivery(id: "dlv_missing") == nil)
            #expect(await store.ping())
        }
    }
}
