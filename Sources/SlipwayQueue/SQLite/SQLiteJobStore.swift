package import Foundation
package import Logging
import NIOPosix
import SQLiteNIO
package import SlipwayCore

/// The embedded job store: one SQLite file, for a single replica.
///
/// One connection, owned by this actor. Every operation runs to its end before the next one
/// starts (an async FIFO gate, because actor methods interleave at each `await`), so a
/// transaction never sees another operation's statements. Writes that read first
/// (`accept`, `claim`, `migrate`) use `BEGIN IMMEDIATE`, so a second process on the same file
/// (`slipway deliver` next to a server, say) waits on `busy_timeout` instead of deadlocking.
/// The file is in WAL mode: readers are not blocked by the writer.
///
/// The connection runs on a thread of its own, not on NIO's shared blocking-I/O pool: while it
/// waits on `busy_timeout` for another process's lock, file reads, DNS lookups and other
/// connections in this process go on.
package actor SQLiteJobStore: JobStore {
    private var connection: SQLiteConnection?
    private let thread: NIOThreadPool
    private let logger: Logger
    private let path: String
    /// True while an operation holds the connection.
    private var busy = false
    /// Operations waiting for the connection, first come first served.
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Group commit of concurrent `accept`s.
    private let batcher = AcceptBatcher()

    private init(connection: SQLiteConnection, thread: NIOThreadPool, path: String, logger: Logger) {
        self.connection = connection
        self.thread = thread
        self.path = path
        self.logger = logger
    }

    /// Opens the database file at `path` (relative to the working directory), creating it and its
    /// folder when missing. Call `migrate()` before using the store.
    package static func open(path: String, logger: Logger) async throws -> SQLiteJobStore {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw JobStoreError.database(
                operation: "create the folder of \(url.path)", reason: "\(error.localizedDescription)")
        }
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: url.path), threadPool: thread, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            try? await thread.shutdownGracefully()
            throw JobStoreError.database(operation: "open \(url.path)", reason: "\(error)")
        }
        do {
            for pragma in [
                // The busy timeout first: switching a new file to WAL needs a lock another process
                // opening it at the same moment may hold.
                "PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON",
            ] {
                _ = try await connection.rows(pragma)
            }
        } catch {
            try? await connection.close()
            try? await thread.shutdownGracefully()
            throw JobStoreError.database(operation: "configure \(url.path)", reason: "\(error)")
        }
        return SQLiteJobStore(connection: connection, thread: thread, path: url.path, logger: logger)
    }

    /// A store dropped without `close()` (a test, a command that failed) closes its connection
    /// and lets its thread go (the connection must be closed before it is freed).
    deinit {
        let thread = thread
        guard let connection else {
            thread.shutdownGracefully { _ in }
            return
        }
        connection.close().whenComplete { _ in thread.shutdownGracefully { _ in } }
    }

    // MARK: - Schema

    package func migrate() async throws {
        try await migrate(upTo: SQLiteSchema.versions.count)
    }

    /// Applies the versions after the database's own, up to `target` (tests build a database as an
    /// earlier release left it this way).
    package func migrate(upTo target: Int) async throws {
        try await transaction("migrate the schema") { db in
            _ = try await db.rows("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            let current = try await Self.version(db)
            guard current <= SQLiteSchema.versions.count else {
                throw JobStoreError.database(
                    operation: "migrate the schema",
                    reason: "the database is at schema version \(current), newer than this Slipway knows "
                        + "(\(SQLiteSchema.versions.count)); run the newer Slipway or restore a backup")
            }
            for (index, statements) in SQLiteSchema.versions.enumerated() where index + 1 > current && index < target {
                for statement in statements {
                    _ = try await db.rows(statement)
                }
                _ = try await db.rows("INSERT INTO schema_version (version) VALUES (?)", [.integer(index + 1)])
                logger.info("job store schema migrated", metadata: ["version": "\(index + 1)", "path": "\(path)"])
            }
        }
    }

    /// Runs `statements` as written, in one transaction: a migration test writes what an earlier
    /// release wrote with that release's SQL.
    package func execute(_ statements: [String]) async throws {
        try await transaction("run statements") { db in
            for statement in statements { _ = try await db.rows(statement) }
        }
    }

    package func schemaVersion() async throws -> SchemaVersion {
        try await serialized("read the schema version") { db in
            let exists = try await db.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
            return SchemaVersion(current: exists.isEmpty ? 0 : try await Self.version(db), latest: SQLiteSchema.versions.count)
        }
    }

    private static func version(_ db: SQLiteConnection) async throws -> Int {
        try await db.rows("SELECT COALESCE(MAX(version), 0) AS version FROM schema_version").first?.column("version")?.integer ?? 0
    }

    // MARK: - Deliveries

    /// Nonisolated: a webhook goes straight to the batcher, without a hop through this actor.
    package nonisolated func accept(_ delivery: NewDelivery) async throws -> AcceptOutcome {
        try await batcher.accept(delivery) { batch in try await self.acceptBatch(batch) }
    }

    /// A batch of deliveries in one statement: a multi-row insert (its trigger adds each first
    /// deliver job), atomic by itself; only rows that conflicted (duplicates, also within the
    /// batch) are looked up afterwards.
    private func acceptBatch(_ batch: [AcceptBatcher.Prepared]) async throws -> [AcceptOutcome] {
        let inserted = try await serialized("accept deliveries") { db in
            var binds: [SQLiteData] = []
            binds.reserveCapacity(batch.count * 9)
            for item in batch {
                binds += [
                    .text(item.id), .text(item.delivery.source), .text(item.delivery.externalID), .text(item.delivery.event.buildKey),
                    .text(item.eventJSON), .text(item.planJSON), .float(item.received), .float(item.received),
                    item.delivery.traceParent.map { .text($0) } ?? .null,
                ]
            }
            let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)", count: batch.count).joined(separator: ", ")
            return Set(
                try await db.rows(
                    """
                    INSERT INTO deliveries (id, source, external_id, build_key, event_json, plan_json, state,
                        received_at, updated_at, trace_parent)
                    VALUES \(rows)
                    ON CONFLICT DO NOTHING
                    RETURNING id
                    """, binds
                ).compactMap { $0.column("id")?.string })
        }
        var outcomes: [AcceptOutcome] = []
        for item in batch {
            if inserted.contains(item.id) {
                outcomes.append(.accepted(deliveryID: item.id))
                continue
            }
            let existing = try await serialized("look up an earlier delivery") { db in
                try await db.rows(
                    """
                    SELECT id FROM deliveries WHERE (source = ?1 AND external_id = ?2) OR build_key = ?3
                    ORDER BY (source = ?1 AND external_id = ?2) DESC LIMIT 1
                    """,
                    [.text(item.delivery.source), .text(item.delivery.externalID), .text(item.delivery.event.buildKey)])
            }
            guard let existingID = existing.first?.column("id")?.string else {
                throw JobStoreError.database(
                    operation: "accept a delivery", reason: "the insert conflicted but no earlier delivery matches")
            }
            outcomes.append(.duplicate(deliveryID: existingID))
        }
        return outcomes
    }

    package func setDeliveryState(deliveryID: String, state: DeliveryState, error: String?) async throws {
        try await serialized("update a delivery's state") { db in
            _ = try await db.rows(
                "UPDATE deliveries SET state = ?, last_error = ?, updated_at = ? WHERE id = ?",
                [.text(state.rawValue), error.map { .text($0) } ?? .null, .float(StoredValues.seconds(Date())),
                 .text(deliveryID)])
        }
    }

    package func delivery(id: String) async throws -> DeliveryRecord? {
        try await serialized("read a delivery") { db in
            let rows = try await db.rows("SELECT \(Self.deliveryColumns) FROM deliveries WHERE id = ?", [.text(id)])
            guard let row = rows.first else { return nil }
            return try Self.record(row, results: try await Self.results(db, deliveryID: id))
        }
    }

    package func recentDeliveries(limit: Int) async throws -> [DeliveryRecord] {
        try await serialized("list recent deliveries") { db in
            let rows = try await db.rows(
                "SELECT \(Self.deliveryColumns) FROM deliveries ORDER BY received_at DESC, rowid DESC LIMIT ?",
                [.integer(max(0, limit))])
            var records: [DeliveryRecord] = []
            for row in rows {
                let id = try Self.text(row, "id")
                records.append(try Self.record(row, results: try await Self.results(db, deliveryID: id)))
            }
            return records
        }
    }

    // MARK: - Jobs

    package func claim(workerID: String, lease: Duration, now: Date) async throws -> ClaimedJob? {
        let nowSeconds = StoredValues.seconds(now)
        let leaseUntil = nowSeconds + StoredValues.seconds(lease)
        return try await transaction("claim a job") { db in
            let rows = try await db.rows(
                """
                UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?1, lease_until = ?2
                WHERE id = (
                    SELECT id FROM jobs
                    WHERE (state = 'queued' AND run_at <= ?3) OR (state = 'running' AND lease_until < ?3)
                    ORDER BY run_at, id LIMIT 1)
                RETURNING id, delivery_id, kind, attempts, payload
                """,
                [.text(workerID), .float(leaseUntil), .float(nowSeconds)])
            guard let row = rows.first else { return nil }
            return ClaimedJob(
                id: Int64(try Self.integer(row, "id")), deliveryID: try Self.text(row, "delivery_id"),
                kind: try StoredValues.jobKind(try Self.text(row, "kind")), attempts: try Self.integer(row, "attempts"),
                payload: row.column("payload")?.string)
        }
    }

    package func heartbeat(jobID: Int64, workerID: String, lease: Duration, now: Date) async throws {
        let leaseUntil = StoredValues.seconds(now) + StoredValues.seconds(lease)
        try await updateHeldJob(jobID: jobID, workerID: workerID, operation: "extend a job's lease",
                                set: "lease_until = ?", [.float(leaseUntil)])
    }

    package func complete(jobID: Int64, workerID: String) async throws {
        try await updateHeldJob(jobID: jobID, workerID: workerID, operation: "complete a job",
                                set: "state = 'done', locked_by = NULL, lease_until = NULL", [])
    }

    package func retry(jobID: Int64, workerID: String, error: String, runAt: Date) async throws {
        try await updateHeldJob(
            jobID: jobID, workerID: workerID, operation: "schedule a job's retry",
            set: "state = 'queued', locked_by = NULL, lease_until = NULL, last_error = ?, run_at = ?",
            [.text(error), .float(StoredValues.seconds(runAt))])
    }

    package func fail(jobID: Int64, workerID: String, error: String) async throws {
        try await updateHeldJob(jobID: jobID, workerID: workerID, operation: "mark a job failed",
                                set: "state = 'failed', locked_by = NULL, lease_until = NULL, last_error = ?",
                                [.text(error)])
    }

    @discardableResult
    package func enqueue(deliveryID: String, kind: JobKind, runAt: Date, payload: String?) async throws -> Int64 {
        try await serialized("enqueue a job") { db in
            let rows = try await db.rows(
                """
                INSERT INTO jobs (delivery_id, kind, state, attempts, run_at, payload)
                VALUES (?, ?, 'queued', 0, ?, ?) RETURNING id
                """,
                [.text(deliveryID), .text(kind.rawValue), .float(StoredValues.seconds(runAt)),
                 payload.map { .text($0) } ?? .null])
            guard let row = rows.first else { throw JobStoreError.corruptRow("enqueue returned no job id") }
            return Int64(try Self.integer(row, "id"))
        }
    }

    /// Runs `UPDATE jobs SET <set> WHERE id AND locked_by` and throws `leaseLost` when no row matched.
    private func updateHeldJob(
        jobID: Int64, workerID: String, operation: String, set: String, _ binds: [SQLiteData]
    ) async throws {
        try await serialized(operation) { db in
            let rows = try await db.rows(
                "UPDATE jobs SET \(set) WHERE id = ? AND state = 'running' AND locked_by = ? RETURNING id",
                binds + [.integer(Int(jobID)), .text(workerID)])
            if rows.isEmpty { throw JobStoreError.leaseLost(jobID: jobID) }
        }
    }

    // MARK: - Results and report references

    package func saveResult(deliveryID: String, result: StoreResult) async throws {
        let json = try StoredValues.json(result, "the result of store \(result.store)")
        try await serialized("save a store result") { db in
            _ = try await db.rows(
                """
                INSERT INTO store_results (delivery_id, store, position, result_json)
                VALUES (?1, ?2, (SELECT COALESCE(MAX(position) + 1, 0) FROM store_results WHERE delivery_id = ?1), ?3)
                ON CONFLICT (delivery_id, store) DO UPDATE SET result_json = excluded.result_json
                """,
                [.text(deliveryID), .text(result.store), .text(json)])
        }
    }

    package func results(deliveryID: String) async throws -> [StoreResult] {
        try await serialized("read store results") { db in try await Self.results(db, deliveryID: deliveryID) }
    }

    package func reportReference(deliveryID: String, key: String) async throws -> String? {
        try await serialized("read a report reference") { db in
            try await db.rows(
                "SELECT value FROM report_refs WHERE delivery_id = ? AND key = ?", [.text(deliveryID), .text(key)]
            ).first?.column("value")?.string
        }
    }

    package func saveReportReference(deliveryID: String, key: String, value: String) async throws {
        try await serialized("save a report reference") { db in
            _ = try await db.rows(
                """
                INSERT INTO report_refs (delivery_id, key, value) VALUES (?, ?, ?)
                ON CONFLICT (delivery_id, key) DO UPDATE SET value = excluded.value
                """,
                [.text(deliveryID), .text(key), .text(value)])
        }
    }

    package func sharedValue(named name: String, orStore candidate: String) async throws -> String {
        try await transaction("read a shared value") { db in
            _ = try await db.rows(
                "INSERT INTO shared_values (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                [.text(name), .text(candidate)])
            return try await db.rows("SELECT value FROM shared_values WHERE name = ?", [.text(name)])
                .first?.column("value")?.string ?? candidate
        }
    }

    package func value(named name: String) async throws -> String? {
        try await serialized("read a stored value") { db in
            try await db.rows("SELECT value FROM shared_values WHERE name = ?", [.text(name)]).first?.column("value")?.string
        }
    }

    package func setValue(_ value: String, named name: String) async throws {
        try await serialized("store a value") { db in
            _ = try await db.rows(
                "INSERT INTO shared_values (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [.text(name), .text(value)])
        }
    }

    package func deliveryID(buildKey: String) async throws -> String? {
        try await serialized("look a build up") { db in
            try await db.rows("SELECT id FROM deliveries WHERE build_key = ?", [.text(buildKey)]).first?.column("id")?.string
        }
    }

    package func tryLease(_ name: String, holder: String, until: Date, now: Date) async throws -> Bool {
        try await transaction("take a lease") { db in
            _ = try await db.rows(
                """
                INSERT INTO leases (name, holder, until_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_at = excluded.until_at
                WHERE leases.until_at < ? OR leases.holder = excluded.holder
                """,
                [.text(name), .text(holder), .float(StoredValues.seconds(until)), .float(StoredValues.seconds(now))])
            return try await db.rows("SELECT holder FROM leases WHERE name = ?", [.text(name)]).first?.column("holder")?.string == holder
        }
    }

    package func releaseLease(_ name: String, holder: String) async throws {
        try await serialized("give a lease back") { db in
            _ = try await db.rows("DELETE FROM leases WHERE name = ? AND holder = ?", [.text(name), .text(holder)])
        }
    }

    // MARK: - Queue

    package func queueStats(now: Date) async throws -> QueueStats {
        let nowSeconds = StoredValues.seconds(now)
        return try await serialized("read the queue") { db in
            let row = try await db.rows(
                """
                SELECT
                    COALESCE(SUM(CASE WHEN (state = 'queued' AND run_at <= ?1) OR (state = 'running' AND lease_until < ?1) THEN 1 ELSE 0 END), 0) AS due,
                    MIN(CASE WHEN state = 'queued' AND run_at <= ?1 THEN run_at WHEN state = 'running' AND lease_until < ?1 THEN lease_until END) AS oldest,
                    COALESCE(SUM(CASE WHEN state = 'running' AND lease_until >= ?1 THEN 1 ELSE 0 END), 0) AS running,
                    COALESCE(SUM(CASE WHEN state = 'queued' AND kind = 'poll' THEN 1 ELSE 0 END), 0) AS polls
                FROM jobs WHERE state IN ('queued', 'running')
                """, [.float(nowSeconds)]
            ).first
            let oldest = row?.column("oldest")?.double
            return QueueStats(
                due: row?.column("due")?.integer ?? 0, oldestDueAge: oldest.map { max(0, nowSeconds - $0) },
                running: row?.column("running")?.integer ?? 0, pollsWaiting: row?.column("polls")?.integer ?? 0)
        }
    }

    // MARK: - Retention

    package func pruneFinishedDeliveries(updatedBefore cutoff: Date, limit: Int) async throws -> Int {
        try await serialized("prune finished deliveries") { db in
            // The foreign keys cascade to jobs, store results and report references.
            try await db.rows(
                """
                DELETE FROM deliveries WHERE id IN (
                    SELECT id FROM deliveries
                    WHERE state IN ('done', 'failed') AND updated_at < ?
                      AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.delivery_id = deliveries.id AND jobs.state IN ('queued', 'running'))
                    LIMIT ?)
                RETURNING id
                """, [.float(StoredValues.seconds(cutoff)), .integer(limit)]
            ).count
        }
    }

    // MARK: - Lifecycle

    package func ping() async -> Bool {
        do {
            return try await serialized("answer a ping") { db in try await !db.rows("SELECT 1").isEmpty }
        } catch {
            logger.warning("job store ping failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    package func close() async throws {
        await acquire()
        defer { release() }
        guard let connection else { return }
        self.connection = nil
        do {
            try await connection.close()
        } catch {
            throw JobStoreError.database(operation: "close \(path)", reason: "\(error)")
        }
        try? await thread.shutdownGracefully()
    }

    // MARK: - Serialisation

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            // Hand the connection straight to the next waiter; `busy` stays true.
            waiters.removeFirst().resume()
        }
    }

    /// Runs `body` with the connection while no other operation uses it, and turns driver errors
    /// into `JobStoreError.database`.
    private func serialized<T: Sendable>(
        _ operation: String, _ body: (SQLiteConnection) async throws -> T
    ) async throws -> T {
        await acquire()
        defer { release() }
        guard let connection else { throw JobStoreError.closed }
        do {
            return try await body(connection)
        } catch let error as JobStoreError {
            throw error
        } catch {
            throw JobStoreError.database(operation: operation, reason: "\(error)")
        }
    }

    /// `serialized` inside `BEGIN IMMEDIATE … COMMIT`, rolled back when `body` throws.
    private func transaction<T: Sendable>(
        _ operation: String, _ body: (SQLiteConnection) async throws -> T
    ) async throws -> T {
        try await serialized(operation) { db in
            _ = try await db.rows("BEGIN IMMEDIATE")
            do {
                let value = try await body(db)
                _ = try await db.rows("COMMIT")
                return value
            } catch {
                _ = try? await db.rows("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: - Rows

    private static let deliveryColumns =
        "id, source, external_id, event_json, plan_json, state, last_error, received_at, updated_at, trace_parent"

    private static func record(_ row: SQLiteRow, results: [StoreResult]) throws -> DeliveryRecord {
        try StoredValues.record(
            id: try text(row, "id"), source: try text(row, "source"), externalID: try text(row, "external_id"),
            eventJSON: try text(row, "event_json"), planJSON: try text(row, "plan_json"),
            state: try text(row, "state"), lastError: row.column("last_error")?.string,
            receivedAt: try double(row, "received_at"), updatedAt: try double(row, "updated_at"), results: results,
            traceParent: row.column("trace_parent")?.string)
    }

    private static func results(_ db: SQLiteConnection, deliveryID: String) async throws -> [StoreResult] {
        try await db.rows(
            "SELECT store, result_json FROM store_results WHERE delivery_id = ? ORDER BY position, store",
            [.text(deliveryID)]
        ).map { row in
            try StoredValues.decode(
                StoreResult.self, from: try text(row, "result_json"),
                "the result of store \(row.column("store")?.string ?? "?") for delivery \(deliveryID)")
        }
    }

    private static func text(_ row: SQLiteRow, _ column: String) throws -> String {
        guard let value = row.column(column), case .text(let text) = value else {
            throw JobStoreError.corruptRow("column \(column) is not text in \(row)")
        }
        return text
    }

    private static func integer(_ row: SQLiteRow, _ column: String) throws -> Int {
        guard let value = row.column(column), case .integer(let number) = value else {
            throw JobStoreError.corruptRow("column \(column) is not an integer in \(row)")
        }
        return Int(number)
    }

    private static func double(_ row: SQLiteRow, _ column: String) throws -> Double {
        guard let value = row.column(column)?.double else {
            throw JobStoreError.corruptRow("column \(column) is not a number in \(row)")
        }
        return value
    }
}
