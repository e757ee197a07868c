import Synchronization

/// How many access tokens this process fetched, by provider and outcome, since it started: every
/// `AccessTokenCache` adds to the one tally, and `/metrics` reads it at each scrape. A tally rather
/// than a metrics dependency in the token code, which runs in stores, the GitHub client and the CLI alike.
package final class TokenRefreshTally: Sendable {
    package static let process = TokenRefreshTally()

    package struct Key: Hashable, Sendable {
        package var provider: String
        /// `ok` or `error`.
        package var outcome: String
    }

    private let counts = Mutex<[Key: Int]>([:])

    package init() {}

    package func record(provider: String, succeeded: Bool) {
        counts.withLock { $0[Key(provider: provider, outcome: succeeded ? "ok" : "error"), default: 0] += 1 }
    }

    package var snapshot: [Key: Int] { counts.withLock { $0 } }
}
