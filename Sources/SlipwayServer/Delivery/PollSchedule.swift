package import SlipwayCore

/// When a store result that is still `.waiting` (an approval, a review, processing) is checked
/// again: minutes at first, then hours, and not for ever.
package struct PollSchedule: Sendable, Equatable {
    package var firstDelay: Duration
    package var maxDelay: Duration
    /// Checks before a still-waiting store is reported as failed ("gave up waiting").
    package var maxRounds: Int

    /// 1 min, 2, 4 … capped at 2 h; 40 rounds is about three days.
    package init(firstDelay: Duration = .seconds(60), maxDelay: Duration = .seconds(7200), maxRounds: Int = 40) {
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.maxRounds = maxRounds
    }

    /// The schedule `server.polling` describes.
    package init(_ settings: PollingSettings) {
        self.init(
            firstDelay: .seconds(settings.firstDelaySeconds), maxDelay: .seconds(settings.maxDelaySeconds),
            maxRounds: settings.maxRounds)
    }

    package func delay(beforeRound round: Int) -> Duration {
        let delay = firstDelay * (1 << min(max(round - 1, 0), 20))
        return delay > maxDelay ? maxDelay : delay
    }
}
