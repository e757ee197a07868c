import ArgumentParser
import Foundation
import Logging
import SlipwayCore
import SlipwayServer

/// `slipway reconcile --config FILE [--since 6h] [--dry-run]`: one reconciliation pass, printed per
/// repository. What it enqueues lands in the job store; a running `slipway serve` delivers it.
struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask each CI for finished builds whose webhook never arrived, and enqueue them (a running server delivers them).")

    @Option(help: "The config file.")
    var config: String

    @Option(help: "Database (overrides server.database).")
    var database: String?

    @Option(help: "How far back to look, ignoring where earlier passes got: 90m, 6h, 2d (default: server.reconcile.lookback_hours, from the cursors).")
    var since: String?

    @Flag(help: "Say what would be enqueued; enqueue nothing and move no cursor.")
    var dryRun = false

    @OptionGroup var logging: LogOptions

    func run() async throws {
        let loaded = try loadConfigOrExit(config, database: database)
        var start: Date?
        if let since {
            guard let seconds = Self.seconds(since) else {
                printError("--since \"\(since)\" is not a duration: write 90m, 6h or 2d")
                throw ExitCode(64)
            }
            start = Date().addingTimeInterval(-seconds)
        }
        let logger = try logging.makeLogger(defaultLevel: .warning)
        let report: ReconcileReport
        do {
            report = try await SlipwayRuntime.withRuntime(
                config: loaded, environment: ProcessInfo.processInfo.environment, logger: logger
            ) { runtime in
                await runtime.reconciler().pass(since: start, dryRun: dryRun, logger: logger)
            }
        } catch let error as StartupError {
            printError("slipway cannot reconcile: \(error)")
            throw ExitCode(1)
        }
        print(report.text)
        let total = report.enqueuedCount
        print(dryRun ? "dry run: \(total) build(s) would be enqueued; nothing was changed" : "\(total) build(s) enqueued")
        if report.errorCount > 0 { throw ExitCode(2) }
    }

    /// `90m`, `6h`, `2d`, `3600s` or plain seconds.
    static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let value = TimeInterval(text), value > 0 { return value }
        guard let unit = text.last.flatMap({ units[$0] }), let value = TimeInterval(text.dropLast()), value > 0 else { return nil }
        return value * unit
    }
}
