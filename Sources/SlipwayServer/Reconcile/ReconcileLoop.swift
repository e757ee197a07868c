import Foundation
package import Logging
import ServiceLifecycle
import SlipwayCore
package import SlipwayQueue

/// `slipway serve`'s reconciliation: a pass shortly after start (to catch what was missed while
/// the server was down), then one every `server.reconcile.interval_seconds`, by one replica at a
/// time (`LeasedSchedule`, lease `reconcile`, renewed between repositories).
package struct ReconcileLoop: Service {
    /// Made again for each pass, so a pass after a reload uses the reloaded config and listers.
    let reconciler: @Sendable () -> Reconciler
    let schedule: LeasedSchedule
    let metrics: SlipwayMetrics
    let logger: Logger

    static let leaseName = "reconcile"

    package init(
        reconciler: @autoclosure @escaping @Sendable () -> Reconciler, jobStore: any JobStore, interval: Duration, firstDelay: Duration, holder: String,
        metrics: SlipwayMetrics, logger: Logger
    ) {
        self.reconciler = reconciler
        self.schedule = LeasedSchedule(
            leaseName: Self.leaseName, jobStore: jobStore, interval: interval, firstDelay: firstDelay, holder: holder)
        self.metrics = metrics
        self.logger = logger
    }

    package func run() async throws {
        await schedule.run { renew in _ = await self.pass(renew: renew) }
    }

    /// One pass if this replica holds (or gets) the lease. Returns the report, or nil when another replica holds it.
    @discardableResult
    package func runOnce() async -> ReconcileReport? {
        switch await schedule.once({ renew in await self.pass(renew: renew) }) {
        case .success(let report): return report
        case .failure(.heldByAnotherReplica):
            logger.debug("another replica holds the reconcile lease; skipping this interval")
        case .failure(.leaseUnavailable(let error)):
            logger.warning("could not take the reconcile lease", metadata: ["error": "\(error)"])
        }
        return nil
    }

    private func pass(renew: @escaping @Sendable () async -> Void) async -> ReconcileReport {
        let report = await reconciler().pass(logger: logger, renew: renew)
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
