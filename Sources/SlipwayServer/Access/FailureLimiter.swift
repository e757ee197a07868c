package import Foundation

/// Counts failed attempts (bad webhook signatures, wrong login tokens) per peer address; after
/// `limit` failures within `window` the address is refused with 429 until the window ends, before
/// its body is even read. Correct callers from other addresses never wait on it.
package actor FailureLimiter {
    package let limit: Int
    package let window: TimeInterval
    /// Addresses tracked at most; the oldest windows are dropped first beyond it.
    package let capacity: Int
    private var windows: [String: (start: Date, failures: Int)] = [:]

    package init(limit: Int = 20, window: TimeInterval = 60, capacity: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
    }

    /// Seconds until `peer` may try again, or nil when it is not blocked.
    package func retryAfter(for peer: String, now: Date = Date()) -> Int? {
        guard let entry = windows[peer] else { return nil }
        let end = entry.start.addingTimeInterval(window)
        if now >= end {
            windows[peer] = nil
            return nil
        }
        return entry.failures >= limit ? max(1, Int(end.timeIntervalSince(now).rounded(.up))) : nil
    }

    /// Records one failure; returns true when this one blocked the peer (log it once, not per request).
    @discardableResult
    package func recordFailure(for peer: String, now: Date = Date()) -> Bool {
        var entry = windows[peer] ?? (now, 0)
        if now >= entry.start.addingTimeInterval(window) { entry = (now, 0) }
        entry.failures += 1
        windows[peer] = entry
        if windows.count > capacity { prune(now: now) }
        return entry.failures == limit
    }

    private func prune(now: Date) {
        windows = windows.filter { now < $0.value.start.addingTimeInterval(window) }
        while windows.count > capacity, let oldest = windows.min(by: { $0.value.start < $1.value.start })?.key {
            windows[oldest] = nil
        }
    }
}
