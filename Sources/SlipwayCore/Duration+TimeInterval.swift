package import Foundation

extension Duration {
    /// The duration in seconds, for `Date` arithmetic and stored timestamps.
    package var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
