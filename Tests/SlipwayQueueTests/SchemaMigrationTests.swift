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
        let finished = try await old.accept(Fixtures.delivery(receivedAt: t0)).acceptedID()
        let queued = try await old.accept(Fixtures.delivery(receivedAt: t0.addingTimeInterval(1))).acceptedID()
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
        let next = try #require(try await store.claim(workerID: "new", lease: .seconds(60), now: t0.addingTimeInterval(3)))
        #expect(next.deliveryID == queued)
        // New work is accepted with its first job, and retention (the new index) finds the old delivery.
        let added = try await store.accept(Fixtures.delivery(receivedAt: t0.addingTimeInterval(4))).acceptedID()
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
