package import Foundation
package import Logging
package import PostgresNIO
package import SlipwayCore

/// The shared job store: several replicas use one PostgreSQL database.
///
/// Claims use `FOR UPDATE SKIP LOCKED`, so replicas never take the same job and never wait on
/// each other's claims. Migrations take a transaction-level advisory lock, so replicas that start
/// together migrate one after the other.
///
/// The store owns its `PostgresClient` and drives the client's `run()` in a task it keeps;
/// `close()` cancels that task and waits for it, so callers never deal with `run()` and nothing
/// outlives the store. Open the store *outside* a ServiceGroup service (before the group runs,
/// as the server does): the client ends its `run()` on graceful shutdown, and a store opened
/// inside a service would lose its connections while the worker still drains.
package final class PostgresJobStore: JobStore {
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    /// Group commit of concurrent `accept`s.
    private let batcher = AcceptBatcher()
    /// Created by `migrate()` when set; the connections' `search_path` points at it.
    private let schema: String?

    /// Creates the client and starts its connection pool. No connection is made until the first query.
    ///
    /// - Parameter schema: A schema `migrate()` creates; `configuration` must set `search_path` to it.
    package init(configuration: PostgresClient.Configuration, schema: String? = nil, logger: Logger) {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.schema = schema
        // Owned: cancelled and awaited in `close()` (and cancelled in `deinit` as a safety net).
        self.runTask = Task { await client.run() }
    }

    /// Parses `postgres://user[:password]@host[:port]/db[?sslmode=require][&schema=NAME]` and creates the store.
    package convenience init(url: String, logger: Logger) throws {
        let settings = try PostgresURL.settings(from: url)
        self.init(configuration: settings.configuration, schema: settings.schema, logger: logger)
    }

    deinit {
        runTask.cancel()
    }

    // MARK: - Schema

    package func migrate() async throws {
        try await migrate(upTo: PostgresSchema.versions.count)
    }

    /// Applies the versions after the database's own, up to `target`, under a transaction-level
    /// advisory lock, so replicas starting together migrate one after another (tests build a
    /// database as an earlier release left it with a lower `target`).
    package func migrate(upTo target: Int) async throws {
        let schema = self.schema
        try await transaction("migrate the schema") { db, logger in
            try await db.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLockKey))", logger: logger)
            if let schema {
                // `schema` was checked to be a plain identifier when the URL was read.
                try await db.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema)", logger: logger)
            }
            try await db.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", logger: logger)
            let current = try await Self.version(db, logger: logger)
            guard current <= PostgresSchema.versions.count else {
                throw JobStoreError.database(
                    operation: "migrate the schema",
                    reason: "the database is at schema version \(current), newer than this Slipway knows "
                        + "(\(PostgresSchema.versions.count)); run the newer Slipway")
            }
            for (index, statements) in PostgresSchema.versions.enumerated() where index + 1 > current && index < target {
                for statement in statements {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let version = index + 1
                try await db.query("INSERT INTO schema_version (version) VALUES (\(version))", logger: logger)
                logger.info("job store schema migrated", metadata: ["version": "\(version)"])
            }
        }
    }

    /// Runs `statements` as written, in one transaction: a migration test writes what an earlier
    /// release wrote with that release's SQL.
    package func execute(_ statements: [String]) async throws {
        try await transaction("run statements") { db, logger in
            for statement in statements { try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
    }

    package func schemaVersion() async throws -> SchemaVersion {
        try await transaction("read the schema version") { db, logger in
            var exists = false
            for try await found in try await db.query(
                "SELECT to_regclass('schema_version') IS NOT NULL", logger: logger
            ).decode(Bool.self) {
                exists = found
            }
            return SchemaVersion(
                current: exists ? try await Self.version(db, logger: logger) : 0, latest: PostgresSchema.versions.count)
        }
    }

    private static func version(_ db: PostgresConnection, logger: Logger) async throws -> Int {
        var current = 0
        for try await version in try await db.query(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version", logger: logger
        ).decode(Int64.self) {
            current = Int(version)
        }
        return current
    }

    // MARK: - Deliveries

    package func accept(_ delivery: NewDelivery) async throws -> AcceptOutcome {
        try await batcher.accept(delivery) { batch in try await self.acceptBatch(batch) }
    }

    /// A batch of deliveries and their first jobs in one statement (one round trip, one commit):
    /// the deliveries are inserted from a VALUES list, the jobs from what the insert returned.
    /// `ON CONFLICT DO NOTHING` waits for a concurrent insert of the same keys (another replica)
    /// to commit, then skips; only the rows that conflicted are looked up afterwards.
    private func acceptBatch(_ batch: [AcceptBatcher.Prepared]) async throws -> [AcceptOutcome] {
        var binds = PostgresBindings(capacity: batch.count * 8)
        var rows: [String] = []
        for (index, item) in batch.enumerated() {
            let base = index * 8
            rows.append("(" + (1...8).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
            binds.append(item.id)
            binds.append(item.delivery.source)
            binds.append(item.delivery.externalID)
            binds.append(item.delivery.event.buildKey)
            binds.append(item.eventJSON)
            binds.append(item.planJSON)
            binds.append(item.received)
            binds.append(item.delivery.traceParent)
        }
        let sql = """
            WITH input (id, source, external_id, build_key, event_json, plan_json, received, trace_parent) AS (
                VALUES \(rows.joined(separator: ", "))
            ), inserted AS (
                INSERT INTO deliveries (id, source, external_id, build_key, event_json, plan_json, state, received_at, updated_at,
                    trace_parent)
                SELECT id, source, external_id, build_key, event_json, plan_json, 'queued', received, received, trace_parent
                FROM input
                ON CONFLICT DO NOTHING
                RETURNING id, received_at
            ), first_jobs AS (
                INSERT INTO jobs (delivery_id, kind, state, attempts, run_at)
                SELECT id, '\(JobKind.deliver.rawValue)', 'queued', 0, received_at FROM inserted
            )
            SELECT id FROM inserted
            """
        let inserted = try await run("accept deliveries") { client, logger in
            var ids = Set<String>()
            for try await id in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(String.self) {
                ids.insert(id)
            }
            return ids
        }
        var outcomes: [AcceptOutcome] = []
        for item in batch {
            if inserted.contains(item.id) {
                outcomes.append(.accepted(deliveryID: item.id))
                continue
            }
            let source = item.delivery.source
            let externalID = item.delivery.externalID
            let buildKey = item.delivery.event.buildKey
            let existing = try await run("look up an earlier delivery") { client, logger in
                try await client.query(
                    """
                    SELECT id FROM deliveries
                    WHERE (source = \(source) AND external_id = \(externalID)) OR build_key = \(buildKey)
                    ORDER BY (source = \(source) AND external_id = \(externalID)) DESC LIMIT 1
                    """, logger: logger
                ).collect().first?.decode(String.self)
            }
            guard let existing else {
                throw JobStoreError.database(
                    operation: "accept a delivery", reason: "the insert conflicted but no earlier delivery matches")
            }
            outcomes.append(.duplicate(deliveryID: existing))
        }
        return outcomes
    }

    package func setDeliveryState(deliveryID: String, state: DeliveryState, error: String?) async throws {
        let now = StoredValues.seconds(Date())
        try await run("update a delivery's state") { client, logger in
            try await client.query(
                """
                UPDATE deliveries SET state = \(state.rawValue), last_error = \(error), updated_at = \(now)
                WHERE id = \(deliveryID)
                """, logger: logger)
        }
    }

    package func delivery(id: String) async throws -> DeliveryRecord? {
        try await run("read a delivery") { client, logger in
            let rows = try await client.query(
                "SELECT \(unescaped: Self.deliveryColumns) FROM deliveries WHERE id = \(id)", logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            return try await Self.record(row, results: Self.results(client, deliveryID: id, logger: logger))
        }
    }

    package func recentDeliveries(limit: Int) async throws -> [DeliveryRecord] {
        let limit = max(0, limit)
        return try await run("list recent deliveries") { client, logger in
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.deliveryColumns) FROM deliveries
                ORDER BY received_at DESC, seq DESC LIMIT \(limit)
                """, logger: logger
            ).collect()
            var records: [DeliveryRecord] = []
            for row in rows {
                let id = try row.decode(String.self)
                records.append(try await Self.record(row, results: Self.results(client, deliveryID: id, logger: logger)))
            }
            return records
        }
    }

    // MARK: - Jobs

    package func claim(workerID: String, lease: Duration, now: Date) async throws -> ClaimedJob? {
        let nowSeconds = StoredValues.seconds(now)
        let leaseUntil = nowSeconds + StoredValues.seconds(lease)
        return try await run("claim a job") { client, logger in
            let rows = try await client.query(
                """
                UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = \(workerID),
                    lease_until = \(leaseUntil)
                WHERE id = (
                    SELECT id FROM jobs
                    WHERE (state = 'queued' AND run_at <= \(nowSeconds))
                       OR (state = 'running' AND lease_until < \(nowSeconds))
                    ORDER BY run_at, id
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                RETURNING id, delivery_id, kind, attempts, payload
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return nil }
            let (id, deliveryID, kind, attempts, payload) = try row.decode(
                (Int64, String, String, Int64, String?).self)
            return ClaimedJob(
                id: id, deliveryID: deliveryID, kind: try StoredValues.jobKind(kind), attempts: Int(attempts),
                payload: payload)
        }
    }

    package func heartbeat(jobID: Int64, workerID: String, lease: Duration, now: Date) async throws {
        let leaseUntil = StoredValues.seconds(now) + StoredValues.seconds(lease)
        try await updateHeldJob(
            jobID: jobID, workerID: workerID, operation: "extend a job's lease",
            "UPDATE jobs SET lease_until = \(leaseUntil)")
    }

    package func complete(jobID: Int64, workerID: String) async throws {
        try await updateHeldJob(
            jobID: jobID, workerID: workerID, operation: "complete a job",
            "UPDATE jobs SET state = 'done', locked_by = NULL, lease_until = NULL")
    }

    package func retry(jobID: Int64, workerID: String, error: String, runAt: Date) async throws {
        let runAt = StoredValues.seconds(runAt)
        try await updateHeldJob(
            jobID: jobID, workerID: workerID, operation: "schedule a job's retry",
            "UPDATE jobs SET state = 'queued', locked_by = NULL, lease_until = NULL, last_error = \(error), run_at = \(runAt)")
    }

    package func fail(jobID: Int64, workerID: String, error: String) async throws {
        try await updateHeldJob(
            jobID: jobID, workerID: workerID, operation: "mark a job failed",
            "UPDATE jobs SET state = 'failed', locked_by = NULL, lease_until = NULL, last_error = \(error)")
    }

    @discardableResult
    package func enqueue(deliveryID: String, kind: JobKind, runAt: Date, payload: String?) async throws -> Int64 {
        let runAt = StoredValues.seconds(runAt)
        return try await run("enqueue a job") { client, logger in
            let rows = try await client.query(
                """
                INSERT INTO jobs (delivery_id, kind, state, attempts, run_at, payload)
                VALUES (\(deliveryID), \(kind.rawValue), 'queued', 0, \(runAt), \(payload)) RETURNING id
                """, logger: logger
            ).collect()
            guard let row = rows.first else { throw JobStoreError.corruptRow("enqueue returned no job id") }
            return try row.decode(Int64.self)
        }
    }

    /// Appends `WHERE id AND locked_by` to `update` and throws `leaseLost` when no row matched.
    private func updateHeldJob(jobID: Int64, workerID: String, operation: String, _ update: PostgresQuery) async throws {
        var query = update
        query.sql += " WHERE id = $\(query.binds.count + 1) AND state = 'running' AND locked_by = $\(query.binds.count + 2) RETURNING id"
        query.binds.append(jobID)
        query.binds.append(workerID)
        let held = try await run(operation) { client, logger in
            try await !client.query(query, logger: logger).collect().isEmpty
        }
        if !held { throw JobStoreError.leaseLost(jobID: jobID) }
    }

    // MARK: - Results and report references

    package func saveResult(deliveryID: String, result: StoreResult) async throws {
        let json = try StoredValues.json(result, "the result of store \(result.store)")
        let store = result.store
        try await run("save a store result") { client, logger in
            try await client.query(
                """
                INSERT INTO store_results (delivery_id, store, position, result_json)
                VALUES (\(deliveryID), \(store),
                    (SELECT COALESCE(MAX(position) + 1, 0) FROM store_results WHERE delivery_id = \(deliveryID)),
                    \(json))
                ON CONFLICT (delivery_id, store) DO UPDATE SET result_json = EXCLUDED.result_json
                """, logger: logger)
        }
    }

    package func results(deliveryID: String) async throws -> [StoreResult] {
        try await run("read store results") { client, logger in
            try await Self.results(client, deliveryID: deliveryID, logger: logger)
        }
    }

    package func reportReference(deliveryID: String, key: String) async throws -> String? {
        try await run("read a report reference") { client, logger in
            let rows = try await client.query(
                "SELECT value FROM report_refs WHERE delivery_id = \(deliveryID) AND key = \(key)", logger: logger
            ).collect()
            return try rows.first?.decode(String.self)
        }
    }

    package func saveReportReference(deliveryID: String, key: String, value: String) async throws {
        try await run("save a report reference") { client, logger in
            try await client.query(
                """
                INSERT INTO report_refs (delivery_id, key, value) VALUES (\(deliveryID), \(key), \(value))
                ON CONFLICT (delivery_id, key) DO UPDATE SET value = EXCLUDED.value
                """, logger: logger)
        }
    }

    package func sharedValue(named name: String, orStore candidate: String) async throws -> String {
        try await run("read a shared value") { client, logger in
            try await client.query(
                "INSERT INTO shared_values (name, value) VALUES (\(name), \(candidate)) ON CONFLICT (name) DO NOTHING",
                logger: logger)
            let rows = try await client.query("SELECT value FROM shared_values WHERE name = \(name)", logger: logger).collect()
            return try rows.first?.decode(String.self) ?? candidate
        }
    }

    package func value(named name: String) async throws -> String? {
        try await run("read a stored value") { client, logger in
            let rows = try await client.query("SELECT value FROM shared_values WHERE name = \(name)", logger: logger).collect()
            return try rows.first?.decode(String.self)
        }
    }

    package func setValue(_ value: String, named name: String) async throws {
        try await run("store a value") { client, logger in
            try await client.query(
                """
                INSERT INTO shared_values (name, value) VALUES (\(name), \(value))
                ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value
                """, logger: logger)
        }
    }

    package func deliveryID(buildKey: String) async throws -> String? {
        try await run("look a build up") { client, logger in
            let rows = try await client.query("SELECT id FROM deliveries WHERE build_key = \(buildKey)", logger: logger).collect()
            return try rows.first?.decode(String.self)
        }
    }

    package func tryLease(_ name: String, holder: String, until: Date, now: Date) async throws -> Bool {
        let untilSeconds = StoredValues.seconds(until)
        let nowSeconds = StoredValues.seconds(now)
        return try await run("take a lease") { client, logger in
            try await client.query(
                """
                INSERT INTO leases (name, holder, until_at) VALUES (\(name), \(holder), \(untilSeconds))
                ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until_at = EXCLUDED.until_at
                WHERE leases.until_at < \(nowSeconds) OR leases.holder = EXCLUDED.holder
                """, logger: logger)
            let rows = try await client.query("SELECT holder FROM leases WHERE name = \(name)", logger: logger).collect()
            return try rows.first?.decode(String.self) == holder
        }
    }

    package func releaseLease(_ name: String, holder: String) async throws {
        try await run("give a lease back") { client, logger in
            try await client.query("DELETE FROM leases WHERE name = \(name) AND holder = \(holder)", logger: logger)
        }
    }

    // MARK: - Queue

    package func queueStats(now: Date) async throws -> QueueStats {
        let now = StoredValues.seconds(now)
        return try await run("read the queue") { client, logger in
            let rows = try await client.query(
                """
                SELECT
                    COALESCE(SUM(CASE WHEN (state = 'queued' AND run_at <= \(now)) OR (state = 'running' AND lease_until < \(now)) THEN 1 ELSE 0 END), 0)::BIGINT,
                    MIN(CASE WHEN state = 'queued' AND run_at <= \(now) THEN run_at WHEN state = 'running' AND lease_until < \(now) THEN lease_until END),
                    COALESCE(SUM(CASE WHEN state = 'running' AND lease_until >= \(now) THEN 1 ELSE 0 END), 0)::BIGINT,
                    COALESCE(SUM(CASE WHEN state = 'queued' AND kind = 'poll' THEN 1 ELSE 0 END), 0)::BIGINT
                FROM jobs WHERE state IN ('queued', 'running')
                """, logger: logger
            ).collect()
            guard let row = rows.first else { return QueueStats(due: 0, oldestDueAge: nil, running: 0, pollsWaiting: 0) }
            let (due, oldest, running, polls) = try row.decode((Int64, Double?, Int64, Int64).self)
            return QueueStats(
                due: Int(due), oldestDueAge: oldest.map { max(0, now - $0) }, running: Int(running), pollsWaiting: Int(polls))
        }
    }

    // MARK: - Retention

    package func pruneFinishedDeliveries(updatedBefore cutoff: Date, limit: Int) async throws -> Int {
        let cutoffSeconds = StoredValues.seconds(cutoff)
        return try await run("prune finished deliveries") { client, logger in
            // The foreign keys cascade to jobs, store results and report references; SKIP LOCKED
            // leaves a delivery another replica is changing right now for the next pass.
            try await client.query(
                """
                DELETE FROM deliveries WHERE id IN (
                    SELECT id FROM deliveries
                    WHERE state IN ('done', 'failed') AND updated_at < \(cutoffSeconds)
                      AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.delivery_id = deliveries.id AND jobs.state IN ('queued', 'running'))
                    LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, logger: logger
            ).collect().count
        }
    }

    // MARK: - Lifecycle

    /// Answers within 5 seconds: an unreachable server makes the pool wait for its connect timeout.
    package func ping() async -> Bool {
        let client = self.client
        let logger = self.logger
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    return try await !client.query("SELECT 1", logger: logger).collect().isEmpty
                } catch {
                    logger.warning("job store ping failed", metadata: ["error": "\(Self.describe(error))"])
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return false
            }
            let answer = await group.next() ?? false
            group.cancelAll()
            return answer
        }
    }

    /// Stops the connection pool and waits until it has closed its connections.
    package func close() async throws {
        runTask.cancel()
        await runTask.value
    }

    // MARK: - Plumbing

    /// Runs `body` on the pooled client and turns driver errors into `JobStoreError.database`.
    @discardableResult
    private func run<T>(
        _ operation: String, _ body: (PostgresClient, Logger) async throws -> T
    ) async throws -> T {
        do {
            return try await body(client, logger)
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// Runs `body` in `BEGIN … COMMIT` on one pooled connection; rolled back when `body` throws.
    private func transaction<T: Sendable>(
        _ operation: String, _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(connection, logger)
            }
        } catch let error as PostgresTransactionError {
            let inner = error.closureError ?? error.beginError ?? error.commitError ?? error
            throw Self.storeError(inner, operation: operation)
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    private static func storeError(_ error: any Error, operation: String) -> any Error {
        switch error {
        case let error as JobStoreError: error
        case let error as CancellationError: error
        default: JobStoreError.database(operation: operation, reason: describe(error))
        }
    }

    /// PSQLError hides everything in `description`; take the server's message, or the code and cause.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        var text = "\(error.code)"
        if let underlying = error.underlying { text += ": \(underlying)" }
        return text
    }

    private static let deliveryColumns =
        "id, source, external_id, event_json, plan_json, state, last_error, received_at, updated_at, trace_parent"

    private static func record(_ row: PostgresRow, results: [StoreResult]) throws -> DeliveryRecord {
        let (id, source, externalID, eventJSON, planJSON, state, lastError, receivedAt, updatedAt, traceParent) =
            try row.decode((String, String, String, String, String, String, String?, Double, Double, String?).self)
        return try StoredValues.record(
            id: id, source: source, externalID: externalID, eventJSON: eventJSON, planJSON: planJSON, state: state,
            lastError: lastError, receivedAt: receivedAt, updatedAt: updatedAt, results: results, traceParent: traceParent)
    }

    private static func results(
        _ client: PostgresClient, deliveryID: String, logger: Logger
    ) async throws -> [StoreResult] {
        let rows = try await client.query(
            """
            SELECT store, result_json FROM store_results WHERE delivery_id = \(deliveryID)
            ORDER BY position, store
            """, logger: logger
        ).collect()
        return try rows.map { row in
            let (store, json) = try row.decode((String, String).self)
            return try StoredValues.decode(
                StoreResult.self, from: json, "the result of store \(store) for delivery \(deliveryID)")
        }
    }
}
