package import SlipwayCore

/// When a delivery whose store or artifact host failed with a retryable error runs again.
///
/// Separate from the in-request retries of `RetryPolicy`: those ride out a blip within seconds;
/// this reschedules the whole delivery for minutes later, durably, so an outage of a store does
/// not lose the build.
package struct RetrySchedule: Sendable, Equatable {
    /// Claims of a job before a still-failing store is marked failed for good.
    package var maxAttempts: Int
    package var firstDelay: Duration
    package var maxDelay: Duration

    package init(maxAttempts: Int = 6, firstDelay: Duration = .seconds(30), maxDelay: Duration = .seconds(1800)) {
        self.maxAttempts = maxAttempts
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
    }

    /// The schedule `server.retry` describes.
    package init(_ settings: RetrySettings) {
        self.init(
            maxAttempts: settings.maxAttempts, firstDelay: .seconds(settings.firstDelaySeconds),
            maxDelay: .seconds(settings.maxDelaySeconds))
    }

    /// Exponential: first, 2×first, 4×first… capped at `maxDelay`.
    package func delay(afterAttempt attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 20)
        let delay = firstDelay * factor
        return delay > maxDelay ? maxDelay : delay
    }
}
