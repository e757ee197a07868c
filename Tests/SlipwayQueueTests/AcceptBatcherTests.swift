import Foundation
import SlipwayCore
import Testing

@testable import SlipwayQueue

/// Group commit: webhooks arriving while a batch is written go into the next batch, and a batch
/// that fails is retried one delivery at a time.
@Suite("Accept batching (group commit)")
struct AcceptBatcherTests {
    /// Records the batches written; the first write is held until `release()` (a commit taking a while).
    actor Writes {
        var sizes: [Int] = []
        var failIDs: Set<String> = []
        private var held: CheckedContinuation<Void, Never>?
        private var released = false
        func record(_ batch: [AcceptBatcher.Prepared]) { sizes.append(batch.count) }
        func refuse(_ externalID: String) { failIDs.insert(externalID) }
        func holdFirst() async {
            guard sizes.count == 1, !released else { return }
            await withCheckedContinuation { held = $0 }
        }
        func release() {
            released = true
            held?.resume()
            held = nil
        }
    }

    struct Refused: Error {}

    /// A write that refuses the external ids in `writes.failIDs`; the first one waits for `release()`.
    func write(_ writes: Writes) -> AcceptBatcher.Write {
        { batch in
            await writes.record(batch)
            await writes.holdFirst()
            let refused = await writes.failIDs
            if batch.contains(where: { refused.contains($0.delivery.externalID) }) { throw Refused() }
            return batch.map { .accepted(deliveryID: $0.id) }
        }
    }

    /// Waits until `count` deliveries queue behind the held first write, then lets it finish.
    func release(_ writes: Writes, after count: Int, on batcher: AcceptBatcher) async throws {
        while await batcher.waiting < count { try await Task.sleep(for: .milliseconds(1)) }
        await writes.release()
    }

    @Test func acceptsThatArriveDuringAWriteShareTheNextOne() async throws {
        let batcher = AcceptBatcher()
        let writes = Writes()
        let write = write(writes)
        let first = Task { try await batcher.accept(Fixtures.delivery(externalID: "first"), write: write) }
        while await writes.sizes.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let outcomes = try await withThrowingTaskGroup(of: AcceptOutcome.self) { group in
            for index in 0..<20 {
                group.addTask { try await batcher.accept(Fixtures.delivery(externalID: "burst-\(index)"), write: write) }
            }
            try await release(writes, after: 20, on: batcher)
            var all: [AcceptOutcome] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        _ = try await first.value
        #expect(outcomes.count == 20)
        #expect(await writes.sizes == [1, 20], "the burst waited for the first write and went in one batch")
    }

    @Test func aFailingBatchIsRetriedOneByOneSoOnlyTheBadDeliveryFails() async throws {
        let batcher = AcceptBatcher()
        let writes = Writes()
        await writes.refuse("bad")
        let write = write(writes)
        let blocker = Task { try await batcher.accept(Fixtures.delivery(externalID: "first"), write: write) }
        while await writes.sizes.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let results = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for name in ["good-1", "bad", "good-2"] {
                group.addTask { (name, (try? await batcher.accept(Fixtures.delivery(externalID: name), write: write)) != nil) }
            }
            try await release(writes, after: 3, on: batcher)
            var all: [String: Bool] = [:]
            for try await (name, ok) in group { all[name] = ok }
            return all
        }
        _ = try await blocker.value
        #expect(results == ["good-1": true, "bad": false, "good-2": true])
        #expect(await writes.sizes == [1, 3, 1, 1, 1], "the batch of three failed, then each was written alone")
    }
}
