import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayServer

/// `slipway serve --config FILE`: the long-running server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the webhook server and the delivery worker until SIGTERM (which drains running deliveries).")

    @Option(help: "The config file.")
    var config: String

    @Option(help: "Listen address (overrides server.host).")
    var host: String?

    @Option(help: "Listen port (overrides server.port; 0 picks a free one).")
    var port: Int?

    @Option(help: "Database (overrides server.database): sqlite:PATH or postgres://USER@HOST:PORT/DB.")
    var database: String?

    @OptionGroup var logging: LogOptions

    @Option(help: "Seconds a worker holds a job before another replica may take it over.")
    var leaseSeconds: Int = 120

    func run() async throws {
        let logger = try logging.makeLogger(defaultLevel: .info)
        let effective = try loadConfigOrExit(config, database: database)
        // Before the runtime makes its HTTP clients: they take the tracer that is bootstrapped then.
        let traces: (any Service)?
        do {
            traces = try TraceExport.start(environment: ProcessInfo.processInfo.environment, logger: logger)
        } catch {
            printError("slipway cannot start: the OpenTelemetry settings (OTEL_*) are not usable: \(error)")
            throw ExitCode(1)
        }
        var options = SlipwayRuntime.Options()
        options.workerLease = .seconds(max(leaseSeconds, 2))
        options.configFile = config
        options.databaseOverride = database ?? ProcessInfo.processInfo.environment["SLIPWAY_DATABASE_URL"]
        let host = self.host
        let port = self.port
        // This process's own data_dir: what a killed delivery left there can go.
        let claim: DataDirectoryClaim
        do throws(DataDirectoryClaim.ClaimError) {
            claim = try DataDirectoryClaim.take(URL(fileURLWithPath: effective.server.dataDirectory, isDirectory: true))
        } catch {
            printError("slipway cannot start: \(error)")
            throw ExitCode(1)
        }
        claim.removeLeftoverWork(logger: logger)
        defer { withExtendedLifetime(claim) {} }
        do {
            try await SlipwayRuntime.withRuntime(
                config: effective, environment: ProcessInfo.processInfo.environment, options: options, logger: logger
            ) { runtime in
                try await SlipwayHTTPServer.run(
                    runtime: runtime, options: options, backgroundServices: traces.map { [$0] } ?? [], host: host, port: port
                ) { bound in
                    logger.notice("slipway is listening", metadata: ["address": "\(host ?? effective.server.host):\(bound)"])
                }
            }
        } catch let error as StartupError {
            printError("slipway cannot start: \(error)")
            throw ExitCode(1)
        }
    }
}
