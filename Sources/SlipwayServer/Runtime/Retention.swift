package import Foundation
package import Logging
import ServiceLifecycle
package import SlipwayQueue

/// `server.retention_days`: finished deliveries that last changed longer ago are deleted, with their
/// jobs, results and report references — hourly, by one replica (`LeasedSchedule`, lease
/// `retention`), in batches so no delete holds the database for long.
package struct Retention: Service {
    let jobStore: any JobStore
    let schedule: LeasedSchedule
    let days: Int
    let metrics: SlipwayMetrics
    let logger: Logger

    static let leaseName = "retention"
    /// Deliveries deleted per statement (500 unless a test asks for fewer).
    let batchSize: Int

    package init(
        jobStore: any JobStore, days: Int, holder: String, metrics: SlipwayMetrics, logger: Logger,
        interval: Duration = .seconds(3600), firstDelay: Duration = .seconds(60), batchSize: Int = 500
    ) {
        self.batchSize = batchSize
        self.jobStore = jobStore
        self.schedule = LeasedSchedule(
            leaseName: Self.leaseName, jobStore: jobStore, interval: interval, firstDelay: firstDelay, holder: holder)
        self.days = days
        self.metrics = metrics
        self.logger = logger
    }

    package func run() async throws {
        await schedule.run { renew in _ = await self.prune(now: Date(), renew: renew) }
    }

    /// Deletes what is past retention at `now`; returns how many deliveries went (nil when the
    /// database refused: logged, and tried again next interval).
    @discardableResult
    package func prune(now: Date, renew: @Sendable () async -> Void = {}) async -> Int? {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        var total = 0
        do {
            while true {
                let deleted = try await jobStore.pruneFinishedDeliveries(updatedBefore: cutoff, limit: batchSize)
                total += deleted
                if deleted < batchSize { break }
                await renew()
            }
        } catch {
            logger.warning(
                "retention could not delete old deliveries; trying again in an hour",
                metadata: ["error": "\(error)", "deleted": "\(total)"])
            metrics.pruned(count: total)
            return nil
        }
        metrics.pruned(count: total)
        if total > 0 {
            logger.info("deleted finished deliveries past server.retention_days", metadata: ["deleted": "\(total)", "days": "\(days)"])
        }
        return total
    }
}
