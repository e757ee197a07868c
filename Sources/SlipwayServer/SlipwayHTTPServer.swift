import Foundation
package import Hummingbird
import Logging
import NIOCore
import UnixSignals
package import ServiceLifecycle
import SlipwayCore
import SlipwayHTTP
import SlipwayQueue

/// The running server: the Hummingbird app (webhooks, dashboard, JSON API, health, metrics) and the
/// job worker, as services of one group, so SIGTERM stops taking webhooks and drains running
/// deliveries before the process exits.
///
/// With `server.admin_listen`, a second app serves the dashboard, API and metrics on that address,
/// and the public port serves only webhooks and health checks.
package enum SlipwayHTTPServer {
    /// Which routes a listener serves.
    package enum Listener: Sendable {
        /// Everything (no admin listener configured).
        case all
        /// Webhooks and health checks only.
        case publicOnly
        /// Dashboard, API, metrics, sign-in and health checks.
        case admin
    }

    /// Builds the routes. Separate from `run` so tests can drive the router in-process.
    package static func buildRouter(
        runtime: SlipwayRuntime, listener: Listener = .all, limiter: FailureLimiter = FailureLimiter(),
        wakeWorker: @escaping @Sendable () -> Void
    ) -> Router<SlipwayRequestContext> {
        let router = Router(context: SlipwayRequestContext.self)
        router.add(middleware: AccessMiddleware(policy: runtime.access))
        let reporter = runtime.reporter
        if listener != .admin {
            WebhookController(
                generation: { runtime.generation }, jobStore: runtime.jobStore, metrics: runtime.metrics,
                limiter: limiter, wakeWorker: wakeWorker, dashboardURL: { reporter.dashboardURL(deliveryID: $0) },
                now: { Date() }
            ).addRoutes(to: router)
        }
        router.get("/healthz") { _, _ in
            jsonResponse(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            await runtime.jobStore.ping()
                ? jsonResponse(.ok, ["status": "ready"])
                : jsonResponse(.serviceUnavailable, ["status": "database unreachable"])
        }
        guard listener != .publicOnly else { return router }
        LoginController(access: runtime.access, limiter: limiter, trustedProxies: runtime.config.server.trustedProxies).addRoutes(to: router)
        GitHubSignInController(access: runtime.access, http: OutboundHTTP(client: runtime.httpClient)).addRoutes(to: router)
        DashboardController(jobStore: runtime.jobStore, access: runtime.access, wakeWorker: wakeWorker).addRoutes(to: router)
        ReloadTriggers.addRoute(to: router, runtime: runtime)
        router.get("/metrics") { _, _ in
            // The queue is the job store's, shared by replicas: read it now, so every scrape is current.
            if let stats = try? await runtime.jobStore.queueStats(now: Date()) { runtime.metrics.queue(stats) }
            runtime.metrics.tokenRefreshes(TokenRefreshTally.process.snapshot)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: runtime.metrics.render())))
        }
        return router
    }

    /// Serves until cancelled or signalled. `onListening` gets the bound port (useful with port 0),
    /// `onAdminListening` the admin listener's.
    ///
    /// - Parameter backgroundServices: run beside the server and stopped after everything else
    ///   (the trace exporter, so the spans of the drain are still sent).
    package static func run(
        runtime: SlipwayRuntime, options: SlipwayRuntime.Options = .init(), backgroundServices: [any Service] = [],
        host: String? = nil, port: Int? = nil,
        adminPort: Int? = nil, handleSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onAdminListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let worker = JobWorker(
            store: runtime.jobStore, handler: MeteredHandler(runtime: runtime),
            workerID: options.workerID, concurrency: runtime.config.server.workers, lease: options.workerLease,
            pollInterval: options.workerPollInterval, drainTimeout: .seconds(runtime.config.server.shutdownGraceSeconds),
            logger: runtime.logger)
        let limiter = FailureLimiter()
        if runtime.access.isPublic {
            runtime.logger.warning("server.dashboard.public is true: anyone who reaches the port can read deliveries and download links")
        } else if !runtime.access.hasCredentials {
            runtime.logger.warning(
                "no server.access credential is configured: the dashboard, API and metrics answer 401 until you set server.access.api_tokens or server.access.github")
        }
        // `workers: 0`: an intake-only replica; the others on the same database deliver.
        var services: [any Service] = backgroundServices + (runtime.config.server.workers > 0 ? [worker] : [])
        let reconcile = runtime.config.server.reconcile
        if reconcile.isEnabled && !runtime.buildListers.isEmpty {
            services.append(
                ReconcileLoop(
                    reconciler: runtime.reconciler(wakeWorker: { worker.wake() }), jobStore: runtime.jobStore,
                    interval: .seconds(reconcile.intervalSeconds), firstDelay: options.reconcileFirstDelay,
                    holder: options.workerID, metrics: runtime.metrics, logger: runtime.logger))
        }
        if handleSignals { services.append(ReloadTriggers.HangUpSignal(runtime: runtime)) }
        if runtime.config.server.retentionDays > 0 {
            services.append(
                Retention(
                    jobStore: runtime.jobStore, days: runtime.config.server.retentionDays, holder: options.workerID,
                    metrics: runtime.metrics, logger: runtime.logger))
        }
        let admin = runtime.config.server.adminListen
        if let admin {
            let adminApp = Application(
                router: buildRouter(runtime: runtime, listener: .admin, limiter: limiter, wakeWorker: { worker.wake() }),
                configuration: .init(address: .hostname(admin.host, port: adminPort ?? admin.port), serverName: "slipway-admin"),
                onServerRunning: { channel in await onAdminListening(channel.localAddress?.port ?? 0) },
                logger: runtime.logger)
            services.append(adminApp)
        }
        let router = buildRouter(
            runtime: runtime, listener: admin == nil ? .all : .publicOnly, limiter: limiter, wakeWorker: { worker.wake() })
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(host ?? runtime.config.server.host, port: port ?? runtime.config.server.port),
                serverName: "slipway"),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: runtime.logger)
        try await app.runService(gracefulShutdownSignals: handleSignals ? [UnixSignal.sigterm, .sigint] : [])
    }
}

/// Runs each job with the processor of the generation current when it starts (a reload never
/// changes a job under way), and counts outcomes for `/metrics`.
struct MeteredHandler: JobHandler, CustomStringConvertible {
    let runtime: SlipwayRuntime

    var description: String { "MeteredHandler(delivery processor)" }

    func handle(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        let outcome = await runtime.processor.handle(job, logger: logger)
        runtime.metrics.delivery(outcome: outcome.name)
        return outcome
    }
}
