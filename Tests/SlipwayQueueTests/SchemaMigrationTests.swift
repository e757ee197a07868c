import Foundation
import SlipwayCore
import SlipwayQueue
import Testing

/// Forward-only schema versions (issue 14 §3): a database an earlier release left behind is
/// migrated at start with its data intact, `schemaVersion()` says where a database stands without
/// changing it, and replicas starting together migrate once.
@Suite("Schema migrations")
struct SchemaMigrationTests {
    /// Opens the test database without migrating it, then brings it to `version` only.
    private func open(_ database: TestDatabase, atVersion version: Int) async throws -> any JobStore {
        let store = try await JobStores.open(databaseURL: database.url, logger: testLogger)
        switch store {
        case let sqlite as SQLiteJobStore: try await sqlite.migrate(upTo: version)
        case let postgres as PostgresJobStore: try await postgres.migrate(upTo: version)
        default: Issue.record("unknown store \(type(of: store))")
        }
        return store
    }

    /// What the previous release's `accept` wrote (before the trace context column): a delivery
    /// and, on PostgreSQL where no trigger adds it, its first deliver job.
    private func acceptAsThePreviousRelease(_ delivery: NewDelivery, id: String, into store: any JobStore) async throws {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let event = String(decoding: try encoder.encode(delivery.event), as: UTF8.self)
        let plan = String(decoding: try encoder.encode(delivery.plan), as: UTF8.self)
        let at = delivery.receivedAt.timeIntervalSince1970
        let insert = """
            INSERT INTO deliveries (id, source, external_id, build_key, event_json, plan_json, state, received_at, updated_at)
            VALUES (\(quoted(id)), \(quoted(delivery.source)), \(quoted(delivery.externalID)), \(quoted(delivery.event.buildKey)),
                \(quoted(event)), \(quoted(plan)), 'queued', \(at), \(at))
            """
        switch store {
        case let sqlite as SQLiteJobStore: try await sqlite.execute([insert])
        case let postgres as PostgresJobStore:
            try await postgres.execute([
                insert,
                "INSERT INTO jobs (delivery_id, kind, state, attempts, run_at) VALUES (\(quoted(id)), 'deliver', 'queued', 0, \(at))",
            ])
        default: Issue.record("unknown store \(type(of: store))")
        }
    }

    @Test("a database at the previous release's schema is migrated with its work intact", arguments: StoreKind.available)
    func previousReleaseIsMigrated(kind: StoreKind) async throws {
        let database = try TestDatabase(kind)
        defer { database.removeFiles() }
        let fresh = try await JobStores.open(databaseURL: database.url, logger: testLogger)
        let empty = try await fresh.schemaVersion()
        try await fresh.close()
        #expect(empty.current == 0)
        let previous = empty.latest - 1

        // What the previous release did: accept two builds, deliver one, leave one queued.
        let old = try await open(database, atVersion: previous)
        #expect(try await old.schemaVersion() == SchemaVersion(current: previous, latest: empty.latest))
        let finished = "dlv_" + String(repeating: "a", count: 32)
        let queued = "dlv_" + String(repeating: "b", count: 32)
        try await acceptAsThePreviousRelease(Fixtures.delivery(receivedAt: t0), id: finished, into: old)
        try await acceptAsThePreviousRelease(Fixtures.delivery(receivedAt: t0.addingTimeInterval(1)), id: queued, into: old)
        let job = try #require(try await old.claim(workerID: "old", lease: .seconds(60), now: t0.addingTimeInterval(2)))
        #expect(job.deliveryID == finished)
        try await old.saveResult(deliveryID: finished, result: Fixtures.result("play", .succeeded, summary: "uploaded"))
        try await old.complete(jobID: job.id, workerID: "old")
        try await old.setDeliveryState(deliveryID: finished, state: .done, error: nil)
        try await old.close()

        // This release starts on it.
        let store = try await JobStores.open(databaseURL: database.url, logger: testLogger)
        #expect(try await store.schemaVersion().isCurrent == false)
        try await store.migrate()
        #expect(try await store.schemaVersion() == SchemaVersion(current: empty.latest, latest: empty.latest))
        let record = try #require(try await store.delivery(id: finished))
        #expect(record.state == .done)
        #expect(record.results.map(\.summary) == ["uploaded"])
        #expect(record.traceParent == nil)
        let next = try #require(try await store.claim(workerID: "new", lease: .seconds(60), now: t0.addingTimeInterval(3)))
        #expect(next.deliveryID == queued)
        // New work is accepted with its first job, and retention (the new index) finds the old delivery.
        var traced = Fixtures.delivery(receivedAt: t0.addingTimeInterval(4))
        traced.traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let added = try await store.accept(traced).acceptedID()
        #expect(try await store.delivery(id: added)?.traceParent == traced.traceParent)
        #expect(try await store.claim(workerID: "new", lease: .seconds(60), now: t0.addingTimeInterval(5))?.deliveryID == added)
        #expect(try await store.pruneFinishedDeliveries(updatedBefore: Date().addingTimeInterval(60), limit: 10) == 1)
        #expect(try await store.delivery(id: finished) == nil)
        // Migrating again is a no-op.
        try await store.migrate()
        #expect(try await store.schemaVersion().isCurrent)
        try await store.close()
    }

    /// PostgreSQL only: replicas share a database there (SQLite is one replica's file; several
    /// stores on one file in one process would only wait on each other's busy handlers in NIO's
    /// two-thread pool).
    @Test("replicas starting together apply each version once", arguments: StoreKind.available.filter { $0 == .postgres })
    func concurrentMigrations(kind: StoreKind) async throws {
        let database = try TestDatabase(kind)
        defer { database.removeFiles() }
        let opened = await withTaskGroup(of: Result<any JobStore, any Error>.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do {
                        let store = try await JobStores.open(databaseURL: database.url, logger: testLogger)
                        do {
                            try await store.migrate()
                        } catch {
                            try? await store.close()
                            throw error
                        }
                        return .success(store)
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let stores = opened.compactMap { try? $0.get() }
        guard stores.count == 3 else {
            for store in stores { try await store.close() }
            Issue.record("a replica failed to migrate: \(opened)")
            return
        }
        for store in stores {
            #expect(try await store.schemaVersion().isCurrent)
        }
        // One delivery, one first job: a version applied twice would have failed, or doubled the trigger.
        _ = try await stores[0].accept(Fixtures.delivery()).acceptedID()
        #expect(try await stores[1].claim(workerID: "w", lease: .seconds(60), now: t0) != nil)
        #expect(try await stores[2].claim(workerID: "w", lease: .seconds(60), now: t0) == nil)
        for store in stores { try await store.close() }
    }
}
