import Foundation
package import Hummingbird
import Logging
import NIOCore
import UnixSignals
import ServiceLifecycle
import SlipwayCore
import SlipwayQueue

/// The running server: the Hummingbird app (webhooks, dashboard, JSON API, health, metrics) and the
/// job worker, as services of one group, so SIGTERM stops taking webhooks and drains running
/// deliveries before the process exits.
package enum SlipwayHTTPServer {
    /// Builds the routes. Separate from `run` so tests can drive the router in-process.
    package static func buildRouter(runtime: SlipwayRuntime, wakeWorker: @escaping @Sendable () -> Void) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let reporter = runtime.reporter
        WebhookController(
            config: runtime.config, adapters: runtime.adapters, jobStore: runtime.jobStore, metrics: runtime.metrics,
            wakeWorker: wakeWorker, dashboardURL: { reporter.dashboardURL(deliveryID: $0) }, now: { Date() }
        ).addRoutes(to: router)
        DashboardController(jobStore: runtime.jobStore).addRoutes(to: router)
        router.get("/healthz") { _, _ in
            jsonResponse(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            await runtime.jobStore.ping()
                ? jsonResponse(.ok, ["status": "ready"])
                : jsonResponse(.serviceUnavailable, ["status": "database unreachable"])
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: runtime.metrics.render())))
        }
        return router
    }

    /// Serves until cancelled or signalled. `onListening` gets the bound port (useful with port 0).
    package static func run(
        runtime: SlipwayRuntime, options: SlipwayRuntime.Options = .init(), host: String? = nil, port: Int? = nil,
        handleSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let worker = JobWorker(
            store: runtime.jobStore, handler: MeteredHandler(inner: runtime.processor, metrics: runtime.metrics),
            workerID: options.workerID, concurrency: runtime.config.server.workers, lease: options.workerLease,
            pollInterval: options.workerPollInterval, logger: runtime.logger)
        let router = buildRouter(runtime: runtime, wakeWorker: { worker.wake() })
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(host ?? runtime.config.server.host, port: port ?? runtime.config.server.port),
                serverName: "slipway"),
            services: [worker],
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: runtime.logger)
        try await app.runService(gracefulShutdownSignals: handleSignals ? [UnixSignal.sigterm, .sigint] : [])
    }
}

/// Counts job outcomes for `/metrics`.
struct MeteredHandler: JobHandler {
    let inner: DeliveryProcessor
    let metrics: SlipwayMetrics

    func handle(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        let outcome = await inner.handle(job, logger: logger)
        switch outcome {
        case .completed: metrics.delivery(outcome: "completed")
        case .retry: metrics.delivery(outcome: "retry")
        case .failed: metrics.delivery(outcome: "failed")
        }
        return outcome
    }
}
