import Foundation
import SlipwayCore
import SlipwayQueue
import Testing

/// `pruneFinishedDeliveries`, what `server.retention_days` runs: only finished deliveries with no
/// job left to run, only before the cutoff, at most `limit` at a time, with everything they own.
@Suite("Pruning finished deliveries")
struct PruneTests {
    @Test("deletes old finished deliveries with their jobs and results; keeps the rest", arguments: StoreKind.available)
    func prunesOnlyWhatIsFinishedAndOld(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            var accepted: Set<String> = []
            for _ in 0..<4 { accepted.insert(try await store.accept(Fixtures.delivery()).acceptedID()) }
            // The first three claimed finish (done, failed, done); the fourth stays queued.
            var ids: [String: String] = [:]
            for name in ["done", "failed", "redelivered"] {
                let job = try #require(try await store.claim(workerID: "w", lease: .seconds(60), now: t0))
                ids[name] = job.deliveryID
                try await store.saveResult(deliveryID: job.deliveryID, result: Fixtures.result("play", .succeeded, summary: "ok"))
                try await store.saveReportReference(deliveryID: job.deliveryID, key: "comment", value: "1")
                try await store.complete(jobID: job.id, workerID: "w")
                try await store.setDeliveryState(deliveryID: job.deliveryID, state: name == "failed" ? .failed : .done, error: nil)
            }
            ids["queued"] = accepted.subtracting(ids.values).first
            // A finished delivery someone asked to run again has a job to run: it stays.
            let redelivered = try #require(ids["redelivered"])
            try await store.enqueue(deliveryID: redelivered, kind: .deliver, runAt: t0, payload: nil)

            // Nothing is older than a cutoff in the past.
            #expect(try await store.pruneFinishedDeliveries(updatedBefore: Date().addingTimeInterval(-3600), limit: 100) == 0)

            let later = Date().addingTimeInterval(60)
            #expect(try await store.pruneFinishedDeliveries(updatedBefore: later, limit: 1) == 1)
            #expect(try await store.pruneFinishedDeliveries(updatedBefore: later, limit: 100) == 1)
            #expect(try await store.pruneFinishedDeliveries(updatedBefore: later, limit: 100) == 0)

            #expect(try await store.delivery(id: ids["done"]!) == nil)
            #expect(try await store.delivery(id: ids["failed"]!) == nil)
            #expect(try await store.results(deliveryID: ids["done"]!).isEmpty)
            #expect(try await store.reportReference(deliveryID: ids["done"]!, key: "comment") == nil)
            #expect(try await store.delivery(id: ids["queued"]!)?.state == .queued)
            #expect(try await store.delivery(id: redelivered) != nil)
            #expect(try await store.recentDeliveries(limit: 10).count == 2)
        }
    }
}

/// `queueStats`, what `/metrics` reads at each scrape.
@Suite("Queue figures")
struct QueueStatsTests {
    @Test("due, oldest due age, running and waiting polls", arguments: StoreKind.available)
    func queueFigures(kind: StoreKind) async throws {
        try await TestDatabase(kind).with { store in
            #expect(try await store.queueStats(now: t0) == QueueStats(due: 0, oldestDueAge: nil, running: 0, pollsWaiting: 0))
            let first = try await store.accept(Fixtures.delivery(receivedAt: t0)).acceptedID()
            _ = try await store.accept(Fixtures.delivery(receivedAt: t0.addingTimeInterval(30))).acceptedID()
            try await store.enqueue(deliveryID: first, kind: .poll, runAt: t0.addingTimeInterval(600), payload: nil)

            // At t0 + 60: both deliver jobs are due, the oldest for 60 s; the poll waits.
            let now = t0.addingTimeInterval(60)
            #expect(try await store.queueStats(now: now) == QueueStats(due: 2, oldestDueAge: 60, running: 0, pollsWaiting: 1))

            // One taken under a 10 s lease: running; once its lease ran out it is due again.
            _ = try #require(try await store.claim(workerID: "w", lease: .seconds(10), now: now))
            #expect(try await store.queueStats(now: now) == QueueStats(due: 1, oldestDueAge: 30, running: 1, pollsWaiting: 1))
            let later = now.addingTimeInterval(20)
            let stats = try await store.queueStats(now: later)
            #expect(stats.due == 2 && stats.running == 0 && stats.oldestDueAge == 50)
        }
    }
}
