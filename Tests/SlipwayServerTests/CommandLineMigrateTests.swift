import Foundation
import Logging
import SlipwayQueue
import Testing

extension CommandLineTests {
    @Test func migrateCheckSaysWhereTheDatabaseStandsAndMigrateBringsItCurrent() async throws {
        try await TestWorld.with { world in
            let arguments = ["migrate", "--config", world.configPath]
            let none = try await slipwayOffThePool(arguments + ["--check"])
            #expect(none.status == 1)
            #expect(none.output.contains("no database yet"), "\(none.output)")

            // A database as the previous release left it.
            let old = try await SQLiteJobStore.open(path: world.folder.appendingPathComponent("slipway.db").path, logger: Logger(label: "test"))
            let latest = try await old.schemaVersion().latest
            try await old.migrate(upTo: latest - 1)
            try await old.close()

            let behind = try await slipwayOffThePool(arguments + ["--check"])
            #expect(behind.status == 1)
            #expect(behind.output.contains("behind: schema version \(latest - 1), this release uses \(latest)"), "\(behind.output)")

            let migrated = try await slipwayOffThePool(arguments)
            #expect(migrated.status == 0, "\(migrated.errors)")
            #expect(migrated.output.contains("migrated from schema version \(latest - 1) to \(latest)"), "\(migrated.output)")

            let current = try await slipwayOffThePool(arguments + ["--check"])
            #expect(current.status == 0)
            #expect(current.output.contains("current (schema version \(latest))"))
        }
    }
}
