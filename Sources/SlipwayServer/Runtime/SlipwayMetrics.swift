package import Prometheus
package import SlipwayQueue
package import SlipwayHTTP
import Synchronization

/// The counters Slipway exposes at `/metrics`, on a registry owned by the running server (not the
/// process-global `MetricsSystem`, so tests and the demo can run several servers in one process).
package struct SlipwayMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry
    /// What of the process's token tally this registry has counted already.
    private let exportedRefreshes = ExportedTally()

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Brings `slipway_token_refreshes_total` up to the process's tally (`TokenRefreshTally`).
    package func tokenRefreshes(_ tally: [TokenRefreshTally.Key: Int]) {
        for (key, delta) in exportedRefreshes.advance(to: tally) {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "slipway", metricName: "token_refreshes", unitName: "total",
                    helpText: "Access tokens fetched, by provider (google, amazon, digital_turbine, github_app) and outcome (ok, error)"),
                labels: [("provider", key.provider), ("outcome", key.outcome)]
            ).increment(by: Int64(delta))
        }
    }

    /// Counts a webhook by CI source and outcome (`accepted`, `duplicate`, `ignored`, `unauthorized`,
    /// `malformed`, `too_large`, `unknown_source`).
    package func webhook(source: String, outcome: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "slipway", metricName: "webhooks", unitName: "total",
                helpText: "Webhooks received, by CI source and outcome"),
            labels: [("source", source), ("outcome", outcome)]
        ).increment()
    }

    /// Counts what reconciliation passes found, by CI source and outcome (`enqueued`, `error`, `rate_limited`).
    package func reconcile(source: String, outcome: String, count: Int = 1) {
        guard count > 0 else { return }
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "slipway", metricName: "reconciled_builds", unitName: "total",
                helpText: "Builds reconciliation found without a webhook (enqueued), listings that failed (error), rate-limit pauses"),
            labels: [("source", source), ("outcome", outcome)]
        ).increment(by: Int64(count))
    }

    package func delivery(outcome: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "slipway", metricName: "delivery_jobs", unitName: "total",
                helpText: "Delivery jobs run, by outcome (completed, retry, failed)"),
            labels: [("outcome", outcome)]
        ).increment()
    }

    /// Upload durations: from a few seconds (a small APK to Applivery) to tens of minutes (a large
    /// AAB, or a store that answers slowly).
    static let uploadSecondsBuckets: [Duration] = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 3600].map { .seconds($0) }
    /// Artifact sizes: 1 MiB to 4 GiB.
    static let uploadBytesBuckets: [Double] = [1, 4, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096].map { $0 * 1_048_576 }

    /// One store upload's end: its duration and size by store type, and a count by type and
    /// outcome (`succeeded`, `waiting`, `failed`, `retry`).
    package func upload(storeType: String, outcome: String, duration: Duration, bytes: Int64) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "slipway", metricName: "store_upload_duration", unitName: "seconds",
                helpText: "Time from a store upload's start to the store's answer, by store type"),
            labels: [("store_type", storeType)], buckets: Self.uploadSecondsBuckets
        ).record(duration)
        registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "slipway", metricName: "store_upload_size", unitName: "bytes",
                helpText: "Size of the artifacts uploaded, by store type"),
            labels: [("store_type", storeType)], buckets: Self.uploadBytesBuckets
        ).record(Double(bytes))
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "slipway", metricName: "store_uploads", unitName: "total",
                helpText: "Store uploads that ended, by store type and outcome (succeeded, waiting, failed, retry)"),
            labels: [("store_type", storeType), ("outcome", outcome)]
        ).increment()
    }

    /// The queue as it stands (read from the job store at each scrape, so every replica reports the
    /// shared queue).
    package func queue(_ stats: QueueStats) {
        func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "slipway", metricName: name, unitName: unit, helpText: help))
        }
        gauge("jobs_due", "", "Jobs whose time has come and that no worker holds").set(Int64(stats.due))
        gauge("oldest_due_job_age", "seconds", "How long the longest-waiting due job has waited (0 when none)")
            .set(stats.oldestDueAge ?? 0)
        gauge("jobs_running", "", "Jobs a worker holds under a live lease").set(Int64(stats.running))
        gauge("poll_jobs_waiting", "", "Store states waiting to be checked again (poll jobs queued)").set(Int64(stats.pollsWaiting))
    }

    /// Counts finished deliveries retention deleted.
    package func pruned(count: Int) {
        guard count > 0 else { return }
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "slipway", metricName: "pruned_deliveries", unitName: "total",
                helpText: "Finished deliveries deleted past server.retention_days"),
            labels: []
        ).increment(by: Int64(count))
    }

    package func render() -> String {
        registry.emitToString()
    }
}

/// The counts already added to a registry's counters, so each scrape adds only what is new.
private final class ExportedTally: Sendable {
    private let exported = Mutex<[TokenRefreshTally.Key: Int]>([:])

    /// The increase of each count since the last call.
    func advance(to tally: [TokenRefreshTally.Key: Int]) -> [TokenRefreshTally.Key: Int] {
        exported.withLock { exported in
            var deltas: [TokenRefreshTally.Key: Int] = [:]
            for (key, count) in tally where count > exported[key, default: 0] {
                deltas[key] = count - exported[key, default: 0]
                exported[key] = count
            }
            return deltas
        }
    }
}
