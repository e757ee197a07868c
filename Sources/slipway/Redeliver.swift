import ArgumentParser
import Foundation
import Logging
import SlipwayCore
import SlipwayQueue
import SlipwayServer

/// `slipway redeliver DELIVERY_ID [--store NAME…]`: queues the failed (or named) stores of a
/// delivery again, in the job store the config names; a running `slipway serve` picks it up.
struct Redeliver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Queue the failed (or the named) stores of a delivery again; a running server delivers them.")

    @Option(help: "The config file (its server.database is used).")
    var config: String

    @Option(help: "Database (overrides server.database).")
    var database: String?

    @Option(name: .customLong("store"), help: "A store to upload again (repeatable); default: every failed store.")
    var stores: [String] = []

    @Argument(help: "The delivery id (dlv_…), as in the dashboard, the API and the PR comment.")
    var deliveryID: String

    func run() async throws {
        let url = try loadConfigOrExit(config, database: database).server.database
        var logger = Logger(label: "slipway.redeliver")
        logger.logLevel = .warning
        let store = try await JobStores.open(databaseURL: url, logger: logger)
        do {
            try await store.migrate()
            let user = ProcessInfo.processInfo.environment["USER"] ?? "someone"
            let queued = try await Redelivery(jobStore: store).redeliver(
                deliveryID, stores: stores.isEmpty ? nil : stores, by: "\(user) (slipway redeliver)")
            print("\(deliveryID): re-delivering \(queued.joined(separator: ", ")); a running slipway serve picks it up")
            try await store.close()
        } catch let refusal as Redelivery.Refusal {
            try? await store.close()
            printError("\(deliveryID): not re-delivered: \(refusal.description)")
            throw ExitCode(1)
        } catch {
            try? await store.close()
            throw error
        }
    }
}
