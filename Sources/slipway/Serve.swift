import ArgumentParser
import Foundation
import Logging
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

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "Seconds a worker holds a job before another replica may take it over.")
    var leaseSeconds: Int = 120

    func run() async throws {
        let logger = makeLogger(level: logLevel)
        let effective = try loadConfigOrExit(config, database: database)
        var options = SlipwayRuntime.Options()
        options.workerLease = .seconds(max(leaseSeconds, 2))
        let host = self.host
        let port = self.port
        do {
            try await SlipwayRuntime.withRuntime(
                config: effective, environment: ProcessInfo.processInfo.environment, options: options, logger: logger
            ) { runtime in
                try await SlipwayHTTPServer.run(runtime: runtime, options: options, host: host, port: port) { bound in
                    logger.notice("slipway is listening", metadata: ["address": "\(host ?? effective.server.host):\(bound)"])
                }
            }
        } catch let error as StartupError {
            printError("slipway cannot start: \(error)")
            throw ExitCode(1)
        }
    }
}

func makeLogger(level: String) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = Logger.Level(rawValue: level) ?? .info
        return handler
    }
    var logger = Logger(label: "slipway")
    logger.logLevel = Logger.Level(rawValue: level) ?? .info
    return logger
}
