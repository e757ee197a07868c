import Foundation
import Logging
import OTel
import ServiceLifecycle
import SlipwayCore
import Tracing

/// OpenTelemetry traces for `slipway serve`, exported over OTLP/HTTP when the operator names a
/// collector (`OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and off
/// otherwise: no exporter, no-op spans. Every other `OTEL_*` variable of the specification
/// (protocol, headers, sampler, batch delays, service name) is read by swift-otel itself.
///
/// Only tracing is bootstrapped: logs keep Slipway's own handlers (they get `trace_id` and
/// `span_id` from `metadataProvider`) and metrics stay on `/metrics`.
enum TraceExport {
    /// Whether the environment asks for traces.
    static func isWanted(_ environment: [String: String]) -> Bool {
        let named = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains {
            !(environment[$0] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        }
        let disabled = environment["OTEL_SDK_DISABLED"]?.lowercased() == "true"
        return named && !disabled
    }

    /// Adds `trace_id` and `span_id` to every log line written inside a span.
    static let metadataProvider: Logger.MetadataProvider = OTel.makeLoggingMetadataProvider()

    /// Bootstraps the process's tracer and returns the exporter's service (to run beside the
    /// server), or nil when traces are not wanted. Call once, before any HTTP client is made.
    static func start(environment: [String: String], logger: Logger) throws -> (any Service)? {
        guard isWanted(environment) else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "slipway"
        configuration.resourceAttributes["service.version"] = SlipwayVersion.current
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info(
            "traces are exported over OTLP",
            metadata: [
                "endpoint": "\(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "")",
                "protocol": "\(environment["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "http/protobuf")",
            ])
        return backend.service
    }
}
