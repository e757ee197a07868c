import Foundation
package import Logging
import ServiceLifecycle
import SlipwayCore
package import SlipwayQueue

/// `slipway serve`'s reconciliation: a pass shortly after start (to catch what was missed while
/// the server was down), then one every `server.reconcile.interval_seconds`.
///
/// With several replicas, exactly one runs each interval: the pass is taken under the job store's
/// `reconcile` lease, which the holder keeps until one interval after its pass ends (renewing it
/// between repositories). A replica that dies mid-pass stops renewing; once the lease runs out
/// the next replica to wake takes over.
package struct ReconcileLoop: Service {
    let reconciler: Reconciler
    let jobStore: any JobStore
    let interval: Duration
    let firstDelay: Duration
    let holder: String
    let metrics: SlipwayMetrics
    let logger: Logger

    static let leaseName = "reconcile"

    package init(
        reconciler: Reconciler, jobStore: any JobStore, interval: Duration, firstDelay: Duration, holder: String,
        metrics: SlipwayMetrics, logger: Logger
    ) {
        self.reconciler = reconciler
        self.jobStore = jobStore
        self.interval = interval
        self.firstDelay = firstDelay
        self.holder = holder
        self.metrics = metrics
        self.logger = logger
    }

    package func run() async throws {
        var wait = firstDelay
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await gracefulShutdown(sleeping: wait)
            } catch {
                return
            }
            await runOnce()
            wait = interval
        }
    }

    private func gracefulShutdown(sleeping duration: Duration) async throws {
        try await cancelWhenGracefulShutdown {
            try await Task.sleep(for: duration)
        }
    }

    /// Takes or renews the `reconcile` lease for one interval from now; true while this replica holds it.
    private func takeLease() async throws -> Bool {
        try await jobStore.tryLease(Self.leaseName, holder: holder, until: Date().addingTimeInterval(interval.timeInterval), now: Date())
    }

    /// One pass if this replica holds (or gets) the lease. Returns the report, or nil when another replica holds it.
    @discardableResult
    package func runOnce() async -> ReconcileReport? {
        let renew: @Sendable () async -> Void = { _ = try? await self.takeLease() }
        do {
            guard try await takeLease() else {
                logger.debug("another replica holds the reconcile lease; skipping this interval")
                return nil
            }
        } catch {
            logger.warning("could not take the reconcile lease", metadata: ["error": "\(error)"])
            return nil
        }
        let report = await reconciler.pass(logger: logger, renew: renew)
        // Held for one interval after the pass, so no other replica starts another one meanwhile.
        await renew()
        for source in report.sources {
            let name = source.provider.rawValue
            metrics.reconcile(source: name, outcome: "enqueued", count: source.repositories.map(\.enqueued.count).reduce(0, +))
            metrics.reconcile(source: name, outcome: "error", count: source.repositories.map(\.errors.count).reduce(0, +))
            if source.pausedUntil != nil { metrics.reconcile(source: name, outcome: "rate_limited") }
        }
        if report.enqueuedCount > 0 || report.errorCount > 0 {
            logger.notice(
                "reconciliation pass done", metadata: ["enqueued": "\(report.enqueuedCount)", "errors": "\(report.errorCount)"])
            for line in report.text.split(separator: "\n") { logger.info("\(line)") }
        } else {
            logger.debug("reconciliation pass done: nothing missed")
        }
        return report
    }
}
