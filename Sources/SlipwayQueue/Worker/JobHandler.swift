package import Logging

/// Carries out one claimed job. The worker records the outcome in the job store.
///
/// A handler must not throw: it decides what a failure means (`retry` for a 5xx, `failed` for a
/// 401) and says so. It runs while the worker keeps the job's lease alive; if the lease is lost
/// (another worker took the job after this one stalled past the lease), the handler's task is
/// cancelled and its outcome is dropped, so handlers should check `Task.isCancelled` between steps.
package protocol JobHandler: Sendable {
    func handle(_ job: ClaimedJob, logger: Logger) async -> JobOutcome
}

/// What became of a job.
package enum JobOutcome: Sendable {
    /// Done; the job is never claimed again.
    case completed
    /// Put back in the queue to run again `after` from now; `reason` is stored as the job's last error.
    case retry(after: Duration, reason: String)
    /// Given up for good; `reason` is stored as the job's last error.
    case failed(reason: String)

    /// `completed`, `retry` or `failed`: for logs, metrics and traces.
    package var name: String {
        switch self {
        case .completed: "completed"
        case .retry: "retry"
        case .failed: "failed"
        }
    }
}
