package import Foundation
package import SlipwayCore

/// Durable storage of accepted deliveries, their jobs and their results.
///
/// The webhook handler calls `accept` before it answers 202, so accepted work survives a crash.
/// Workers `claim` jobs under a lease; a job whose worker died is claimed again once its lease
/// runs out. Per-store results are saved as they arrive, so a resumed delivery skips the stores
/// that already succeeded and never uploads the same build to the same store twice.
///
/// Two implementations: `SQLiteJobStore` (embedded, one replica) and `PostgresJobStore`
/// (several replicas share one database; claims use `FOR UPDATE SKIP LOCKED`).
package protocol JobStore: Sendable {
    /// Creates or upgrades the schema: forward-only versions, applied in order, one transaction
    /// (under a lock where replicas share the database). Safe to call on every start.
    func migrate() async throws

    /// The database's schema version next to the one this build knows, without changing anything
    /// (`slipway migrate --check`).
    func schemaVersion() async throws -> SchemaVersion

    /// Persists a verified delivery and its first `deliver` job in one transaction.
    /// Returns `.duplicate` when the same (source, externalID) or the same build key was accepted before.
    func accept(_ delivery: NewDelivery) async throws -> AcceptOutcome

    /// Takes the next due job: queued with `runAt <= now`, or running with an expired lease.
    func claim(workerID: String, lease: Duration, now: Date) async throws -> ClaimedJob?

    /// Extends the lease of a job this worker holds. Throws `JobStoreError.leaseLost` if another worker took it.
    func heartbeat(jobID: Int64, workerID: String, lease: Duration, now: Date) async throws

    /// Marks a job done.
    func complete(jobID: Int64, workerID: String) async throws

    /// Puts a job back in the queue to run again at `runAt`, recording why.
    func retry(jobID: Int64, workerID: String, error: String, runAt: Date) async throws

    /// Marks a job failed for good.
    func fail(jobID: Int64, workerID: String, error: String) async throws

    /// Schedules a follow-up job for a delivery (polling a long store state, for example).
    @discardableResult
    func enqueue(deliveryID: String, kind: JobKind, runAt: Date, payload: String?) async throws -> Int64

    /// Inserts or replaces the result for (delivery, result.store).
    func saveResult(deliveryID: String, result: StoreResult) async throws

    /// The saved results of a delivery, in the order they were first saved.
    func results(deliveryID: String) async throws -> [StoreResult]

    func setDeliveryState(deliveryID: String, state: DeliveryState, error: String?) async throws

    func delivery(id: String) async throws -> DeliveryRecord?

    /// The delivery accepted for `buildKey`, if any: reconciliation skips builds a webhook (or an
    /// earlier pass) already brought in.
    func deliveryID(buildKey: String) async throws -> String?

    /// Most recent first.
    func recentDeliveries(limit: Int) async throws -> [DeliveryRecord]

    /// A value a reporter needs again later, such as the id of the PR comment it created.
    func reportReference(deliveryID: String, key: String) async throws -> String?

    func saveReportReference(deliveryID: String, key: String, value: String) async throws

    /// True when the database answers; `/readyz` uses it.
    /// The value stored under `name`, or — the first time any replica asks — `candidate`, stored.
    /// Every replica gets the same answer (the session-signing key when the config sets none).
    func sharedValue(named name: String, orStore candidate: String) async throws -> String

    /// A small value kept across restarts and shared by replicas (reconciliation cursors), or nil.
    func value(named name: String) async throws -> String?
    /// Stores `value` under `name`, replacing what was there.
    func setValue(_ value: String, named name: String) async throws

    /// Takes the lease `name` for `holder` until `until`, if it is free, expired, or already
    /// `holder`'s; true when `holder` has it now. Replicas use it to edit a shared thing one at a time.
    func tryLease(_ name: String, holder: String, until: Date, now: Date) async throws -> Bool
    /// Gives the lease back early (only `holder`'s).
    func releaseLease(_ name: String, holder: String) async throws

    /// The queue at `now`, for `/metrics`.
    func queueStats(now: Date) async throws -> QueueStats

    /// Deletes up to `limit` finished deliveries (done or failed, with no job left to run) that
    /// last changed before `cutoff`, with their jobs, results and report references; returns how
    /// many went. Retention (`server.retention_days`) calls it in batches, so no delete holds the
    /// database for long.
    func pruneFinishedDeliveries(updatedBefore cutoff: Date, limit: Int) async throws -> Int

    func ping() async -> Bool

    /// Closes connections. The store is unusable afterwards.
    func close() async throws
}

/// Where a database's schema stands: `current` is what it holds (0 for an empty database),
/// `latest` what this build of Slipway would migrate it to.
package struct SchemaVersion: Sendable, Equatable {
    package var current: Int
    package var latest: Int

    package init(current: Int, latest: Int) {
        self.current = current
        self.latest = latest
    }

    package var isCurrent: Bool { current == latest }
}

/// How the job queue stands (`JobStore.queueStats`).
package struct QueueStats: Sendable, Equatable {
    /// Queued jobs whose `runAt` has come, and running jobs whose lease ran out (a worker takes them next).
    package var due: Int
    /// Seconds the longest-waiting due job has waited since its `runAt`; nil when none is due.
    package var oldestDueAge: Double?
    /// Jobs under a live lease.
    package var running: Int
    /// Poll jobs queued, due or not.
    package var pollsWaiting: Int

    package init(due: Int, oldestDueAge: Double?, running: Int, pollsWaiting: Int) {
        self.due = due
        self.oldestDueAge = oldestDueAge
        self.running = running
        self.pollsWaiting = pollsWaiting
    }
}

/// A verified webhook, ready to persist.
package struct NewDelivery: Sendable {
    /// The CI provider (`github`, `generic`, …).
    package var source: String
    /// The sender's delivery id (`X-GitHub-Delivery`, `webhook-id`).
    package var externalID: String
    package var event: BuildEvent
    package var plan: DeliveryPlan
    package var receivedAt: Date
    /// The W3C `traceparent` of the webhook's trace (nil when tracing is off).
    package var traceParent: String?

    package init(
        source: String, externalID: String, event: BuildEvent, plan: DeliveryPlan, receivedAt: Date,
        traceParent: String? = nil
    ) {
        self.source = source
        self.externalID = externalID
        self.event = event
        self.plan = plan
        self.receivedAt = receivedAt
        self.traceParent = traceParent
    }
}

package enum AcceptOutcome: Sendable, Equatable {
    case accepted(deliveryID: String)
    /// Seen before; `deliveryID` is the delivery that was accepted first.
    case duplicate(deliveryID: String)
}

package enum DeliveryState: String, Sendable, Codable, CaseIterable {
    case queued, running, waiting, done, failed
}

package enum JobKind: String, Sendable, Codable, CaseIterable {
    /// Download the artifact once and run every planned store upload, then report.
    case deliver
    /// Check long-running store states again and report changes.
    case poll
}

/// A job a worker holds under a lease.
package struct ClaimedJob: Sendable, Equatable {
    package var id: Int64
    package var deliveryID: String
    package var kind: JobKind
    /// How many times this job was claimed before, this claim included.
    package var attempts: Int
    package var payload: String?

    package init(id: Int64, deliveryID: String, kind: JobKind, attempts: Int, payload: String?) {
        self.id = id
        self.deliveryID = deliveryID
        self.kind = kind
        self.attempts = attempts
        self.payload = payload
    }
}

/// A delivery as stored: what came in, what was planned, and what happened.
package struct DeliveryRecord: Sendable, Equatable {
    package var id: String
    package var source: String
    package var externalID: String
    package var event: BuildEvent
    package var plan: DeliveryPlan
    package var state: DeliveryState
    package var lastError: String?
    package var receivedAt: Date
    package var updatedAt: Date
    package var results: [StoreResult]
    /// The trace the delivery's webhook was accepted in: its jobs' spans are children of it.
    package var traceParent: String?

    package init(
        id: String, source: String, externalID: String, event: BuildEvent, plan: DeliveryPlan, state: DeliveryState,
        lastError: String?, receivedAt: Date, updatedAt: Date, results: [StoreResult], traceParent: String? = nil
    ) {
        self.traceParent = traceParent
        self.id = id
        self.source = source
        self.externalID = externalID
        self.event = event
        self.plan = plan
        self.state = state
        self.lastError = lastError
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
        self.results = results
    }
}

package enum JobStoreError: Error, CustomStringConvertible {
    case leaseLost(jobID: Int64)
    /// The URL is shown with its password replaced by `***`.
    case unsupportedDatabaseURL(String)
    case corruptRow(String)
    /// A `postgres://` URL that cannot be used as written. The URL is shown without its password.
    case invalidDatabaseURL(String, reason: String)
    /// The database refused or failed an operation (`operation` is what Slipway was doing).
    case database(operation: String, reason: String)
    /// `close()` was called; the store cannot be used any more.
    case closed

    package var description: String {
        switch self {
        case .leaseLost(let id): "job \(id) is no longer held by this worker (its lease ran out and another worker took it)"
        case .unsupportedDatabaseURL(let url): "database \"\(url)\" is not supported: use sqlite:PATH or postgres://USER@HOST:PORT/DB"
        case .corruptRow(let what): "the job database holds a row Slipway cannot read: \(what)"
        case .invalidDatabaseURL(let url, let reason):
            "database URL \"\(url)\" cannot be used: \(reason). Write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require]"
        case .database(let operation, let reason): "the job database failed to \(operation): \(reason)"
        case .closed: "the job store was closed (the server is shutting down)"
        }
    }
}
