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
            name: "slipway_webhooks_total", labels: [("source", source), ("outcome", outcome)],
            help: "Webhooks received, by CI source and outcome"
        ).increment()
    }

    package func delivery(outcome: String) {
        registry.makeCounter(
            name: "slipway_delivery_jobs_total", labels: [("outcome", outcome)],
            help: "Delivery jobs run, by outcome (completed, retry, failed)"
        ).increment()
    }

    package func render() -> String {
        registry.emitToString()
    }
}
