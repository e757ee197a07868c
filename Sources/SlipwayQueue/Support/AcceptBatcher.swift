import Foundation
import SlipwayCore

/// Group commit for `JobStore.accept`: webhooks that arrive while a batch is being written wait
/// and go into the next batch, one transaction for all of them. Each caller still returns only
/// after the transaction holding its delivery committed, so a 202 keeps meaning "on disk".
///
/// Under no load a batch is one delivery and nothing waits; under load the batch grows with the
/// time one transaction takes, so the statements and the commit (and its fsync) are shared.
/// A batch that fails is retried one delivery at a time, so one bad row fails only its own caller.
actor AcceptBatcher {
    /// A delivery ready to insert: encoded once, outside the database's critical section.
    struct Prepared: Sendable {
        var id: String
        var delivery: NewDelivery
        var eventJSON: String
        var planJSON: String
        var received: Double

        init(_ delivery: NewDelivery, eventJSON: String, planJSON: String) {
            id = StoredValues.newDeliveryID()
            self.delivery = delivery
            self.eventJSON = eventJSON
            self.planJSON = planJSON
            received = StoredValues.seconds(delivery.receivedAt)
        }
    }

    /// Inserts a batch in one transaction and returns one outcome per delivery, in order.
    typealias Write = @Sendable ([Prepared]) async throws -> [AcceptOutcome]

    private let maxBatch: Int
    private var pending: [(Prepared, CheckedContinuation<AcceptOutcome, any Error>)] = []
    private var flushing = false
    /// Plans repeat (one per set of matching rules): each is encoded once.
    private var encodedPlans: [DeliveryPlan: String] = [:]

    /// Deliveries waiting for the next batch (tests wait on it).
    var waiting: Int { pending.count }

    init(maxBatch: Int = 256) {
        self.maxBatch = maxBatch
    }

    /// Queues `delivery` for the next batch and returns its outcome once that batch committed.
    /// Every caller of one store passes the same `write`; the first of a burst runs the batches.
    /// Nonisolated so the event is encoded in the caller's task, in parallel with other webhooks,
    /// not one after another on this actor.
    nonisolated func accept(_ delivery: NewDelivery, write: @escaping Write) async throws -> AcceptOutcome {
        let eventJSON = try StoredValues.json(delivery.event, "the build event")
        return try await enqueue(delivery, eventJSON: eventJSON, write: write)
    }

    private func enqueue(_ delivery: NewDelivery, eventJSON: String, write: @escaping Write) async throws -> AcceptOutcome {
        let prepared = Prepared(delivery, eventJSON: eventJSON, planJSON: try encoded(delivery.plan))
        return try await withCheckedThrowingContinuation { continuation in
            pending.append((prepared, continuation))
            if !flushing {
                flushing = true
                Task { await self.flush(write) }
            }
        }
    }

    private func encoded(_ plan: DeliveryPlan) throws -> String {
        if let known = encodedPlans[plan] { return known }
        let text = try StoredValues.json(plan, "the delivery plan")
        if encodedPlans.count >= 256 { encodedPlans.removeAll() }
        encodedPlans[plan] = text
        return text
    }

    private func flush(_ write: Write) async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            do {
                let outcomes = try await write(batch.map(\.0))
                for (index, entry) in batch.enumerated() { entry.1.resume(returning: outcomes[index]) }
            } catch {
                guard batch.count > 1 else {
                    batch[0].1.resume(throwing: error)
                    continue
                }
                for entry in batch {
                    do {
                        entry.1.resume(returning: try await write([entry.0])[0])
                    } catch {
                        entry.1.resume(throwing: error)
                    }
                }
            }
        }
        flushing = false
    }
}
