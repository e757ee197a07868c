import ArgumentParser
import Foundation
import Logging
import SlipwayServer

/// `--log-level` and `--log-format`, shared by the commands that run deliveries. The format's
/// default comes from `SLIPWAY_LOG_FORMAT`, so a container image can set it once.
struct LogOptions: ParsableArguments {
    @Option(help: "trace, debug, info, notice, warning, error or critical (default: info for serve, warning otherwise).")
    var logLevel: String?

    @Option(help: "text (for people) or json (one object a line, for log collectors; or set SLIPWAY_LOG_FORMAT).")
    var logFormat: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level \(logLevel) is not a level: write trace, debug, info, notice, warning, error or critical")
        }
        if let logFormat, LogFormat(rawValue: logFormat) == nil {
            throw ValidationError("--log-format \(logFormat) is not a format: write text or json")
        }
    }

    /// Sets up logging for the process; `defaultLevel` is the command's own.
    func makeLogger(defaultLevel: Logger.Level) throws -> Logger {
        let chosen = logFormat ?? ProcessInfo.processInfo.environment["SLIPWAY_LOG_FORMAT"] ?? "text"
        guard let format = LogFormat(rawValue: chosen) else {
            throw ValidationError("SLIPWAY_LOG_FORMAT is \"\(chosen)\": write text or json")
        }
        return LogFormat.bootstrap(
            level: logLevel.flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel, format: format,
            metadataProvider: TraceExport.metadataProvider)
    }
}
