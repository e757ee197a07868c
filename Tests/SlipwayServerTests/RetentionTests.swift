import Foundation
import Logging
import SlipwayCore
import SlipwayQueue
import SlipwayServer
import Testing

/// `server.retention_days` as the server runs it: batches until nothing old is left, one replica at
/// a time (the `retention` lease), and the count on `/metrics`.
@Suite("Retention")
struct RetentionTests {
    @Test func oldFinishedDeliveriesGoInBatchesAndTheCountIsExported() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString).db")
        defer { try? FileManager.default.removeItem(at: file) }
        let store = try await JobStores.open(databaseURL: "sqlite:\(file.path)", logger: Logger(label: "test"))
        try await store.migrate()
        let plan = DeliveryPlan(matchedRules: ["r"], uploads: [], notifications: [])
        var finished = 0
        // More than one batch of finished deliveries, and one still queued.
        for index in 0...20 {
            let event = BuildEvent(
                provider: .generic, repository: "acme/app", branch: "main", sha: String(repeating: "d", count: 40), trigger: .push,
                conclusion: .success, buildID: "r-\(index)", artifactSource: .localFile("/tmp/app.apk"))
            guard case .accepted = try await store.accept(
                NewDelivery(source: "generic", externalID: "r-\(index)", event: event, plan: plan, receivedAt: Date()))
            else { Issue.record("not accepted"); return }
            guard index > 0 else { continue }
            let job = try #require(try await store.claim(workerID: "w", lease: .seconds(60), now: Date().addingTimeInterval(1)))
            try await store.complete(jobID: job.id, workerID: "w")
            try await store.setDeliveryState(deliveryID: job.deliveryID, state: .done, error: nil)
            finished += 1
        }

        let metrics = SlipwayMetrics()
        // Batches of 7: the 20 finished deliveries take three statements.
        let retention = Retention(
            jobStore: store, days: 90, holder: "replica-a", metrics: metrics, logger: Logger(label: "test"), batchSize: 7)
        // Nothing is 90 days old yet.
        #expect(await retention.prune(now: Date()) == 0)
        // 91 days on, every finished delivery goes, over more than one batch; the queued one stays.
        let later = Date().addingTimeInterval(91 * 86_400)
        #expect(await retention.prune(now: later) == finished)
        #expect(try await store.recentDeliveries(limit: 10).count == 1)
        #expect(metrics.render().contains("slipway_pruned_deliveries_total \(finished)"))
        try await store.close()
    }
}
