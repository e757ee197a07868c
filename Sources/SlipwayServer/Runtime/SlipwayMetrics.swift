package import Prometheus

/// The counters Slipway exposes at `/metrics`, on a registry owned by the running server (not the
/// process-global `MetricsSystem`, so tests and the demo can run several servers in one process).
package struct SlipwayMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
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

    package func render() -> String {
        registry.emitToString()
    }
}
