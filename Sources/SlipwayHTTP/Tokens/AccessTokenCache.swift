package import Foundation
package import SlipwayCore

/// An OAuth access token and when it stops working.
package struct AccessToken: Sendable, Equatable {
    package var value: Secret
    package var expiresAt: Date

    package init(value: Secret, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }
}

/// Keeps one access token: reused until `refreshMargin` before it expires, and fetched once for any
/// number of concurrent callers (the others wait for that fetch's answer instead of asking the
/// token endpoint again); a token the API refused is forgotten. The one mechanism behind every
/// token flow — Google's service account, Login with Amazon, Digital Turbine, and each GitHub App
/// installation — which supply only how to fetch a token and what their failure is.
package actor AccessTokenCache<Failure: Error & Sendable> {
    /// Tokens are replaced this long before the service says they expire.
    package let refreshMargin: TimeInterval
    private let now: @Sendable () -> Date

    private var cached: AccessToken?
    private var isFetching = false
    private var waiters: [CheckedContinuation<Result<AccessToken, Failure>, Never>] = []
    /// How many tokens were fetched (for logs and tests).
    package private(set) var fetchCount = 0

    /// Who issues the tokens (`google`, `amazon`, `digital_turbine`, `github_app`), for the
    /// refresh counts `/metrics` shows.
    package let provider: String

    package init(provider: String, refreshMargin: TimeInterval = 5 * 60, now: @escaping @Sendable () -> Date = { Date() }) {
        self.provider = provider
        self.refreshMargin = refreshMargin
        self.now = now
    }

    /// A token good for at least `refreshMargin` more: the cached one, or one `fetch` gets.
    package func token(
        fetch: @Sendable () async throws(Failure) -> AccessToken
    ) async throws(Failure) -> AccessToken {
        if let cached, cached.expiresAt.timeIntervalSince(now()) > refreshMargin {
            return cached
        }
        if isFetching {
            let result = await withCheckedContinuation { waiters.append($0) }
            return try result.get()
        }
        isFetching = true
        let result: Result<AccessToken, Failure>
        do {
            result = .success(try await fetch())
        } catch {
            result = .failure(error)
        }
        isFetching = false
        if case .success(let token) = result {
            cached = token
            fetchCount += 1
        }
        TokenRefreshTally.process.record(provider: provider, succeeded: (try? result.get()) != nil)
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume(returning: result) }
        return try result.get()
    }

    /// Forgets `token` after the API refused it; a newer token fetched meanwhile is kept.
    package func invalidate(_ token: AccessToken) {
        if cached == token { cached = nil }
    }

    /// Forgets whatever token is kept (the API refused the one in use).
    package func invalidate() {
        cached = nil
    }
}
