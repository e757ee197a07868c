import ArgumentParser
import Foundation
import Logging
import SlipwayCore
import SlipwayQueue

/// `slipway migrate --config FILE [--check]`: brings the job store's schema to this release's
/// version (what `serve` does at every start, under a lock), or with `--check` only says whether
/// it is current — for an upgrade runbook, or a readiness gate before new replicas roll out.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the job store's schema migrations, or with --check say whether the database is current.",
        discussion: """
            Exit status with --check: 0 when the database is at this release's schema version, 1 when it \
            is behind (run `slipway migrate`, or start the new release, which migrates at start), 2 when \
            it is newer than this release knows (run the newer release).
            """)

    @Option(help: "The config file (its server.database is used).")
    var config: String

    @Option(help: "Database (overrides server.database and SLIPWAY_DATABASE_URL).")
    var database: String?

    @Flag(help: "Only report the schema version; change nothing.")
    var check = false

    func run() async throws {
        let url = try loadConfigOrExit(config, database: database).server.database
        var logger = Logger(label: "slipway.migrate")
        logger.logLevel = .warning
        if check, url.hasPrefix("sqlite:"), !FileManager.default.fileExists(atPath: String(url.dropFirst("sqlite:".count))) {
            print("\(url): no database yet (serve creates it at the current version on its first start)")
            throw ExitCode(1)
        }
        let store: any JobStore
        do {
            store = try await JobStores.open(databaseURL: url, logger: logger)
        } catch {
            printError("cannot open the job store: \(error)")
            throw ExitCode(1)
        }
        do {
            let before = try await store.schemaVersion()
            if check {
                try await store.close()
                try Self.report(before)
                return
            }
            try await store.migrate()
            let after = try await store.schemaVersion()
            try await store.close()
            print(
                before.current == after.current
                    ? "the job store is current (schema version \(after.current))"
                    : "the job store was migrated from schema version \(before.current) to \(after.current)")
        } catch let error as ExitCode {
            throw error
        } catch {
            try? await store.close()
            printError("cannot migrate the job store: \(error)")
            throw ExitCode(1)
        }
    }

    static func report(_ version: SchemaVersion) throws {
        if version.current == version.latest {
            print("the job store is current (schema version \(version.current))")
        } else if version.current < version.latest {
            print(
                "the job store is behind: schema version \(version.current), this release uses \(version.latest); "
                    + "run `slipway migrate --config …` (or start this release, which migrates at start)")
            throw ExitCode(1)
        } else {
            print(
                "the job store is newer than this release knows: schema version \(version.current), this release "
                    + "uses \(version.latest); run the release that wrote it, or a newer one")
            throw ExitCode(2)
        }
    }
}
