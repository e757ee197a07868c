import Tracing
import SlipwayHTTP
import AsyncHTTPClient
import Foundation
import SlipwayCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// How store calls ride out a blip within seconds: exponential backoff with full jitter, a cap on
/// attempts and on any one delay, and `Retry-After` honoured.
///
/// Which answers are worth another try is decided here once for every store: 408, 409, 429 and 5xx,
/// and connection errors or timeouts. 400/401/403/404 never are: the store has said no, and asking
/// again only hides its message. Longer outages are the job scheduler's business, not this policy's.
///
/// The sleep is injected so tests can use tiny delays (or none) without waiting.
package struct RetryPolicy: Sendable {
    /// Waits for a delay; throws if the task is cancelled.
    package typealias Sleep = @Sendable (Duration) async throws -> Void

    /// Total tries of one call, the first included (so `1` means never retry).
    package var maxAttempts: Int
    /// The backoff ceiling of the first retry; it doubles with each retry.
    package var baseDelay: Duration
    /// No single wait is longer than this, `Retry-After` included.
    package var maxDelay: Duration
    package var sleep: Sleep

    package init(
        maxAttempts: Int = 5, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60),
        sleep: @escaping Sleep = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }

    /// Five attempts, 1 s, 2 s, 4 s, 8 s ceilings with full jitter, 60 s cap (as gsutil does).
    package static let `default` = RetryPolicy()

    /// One attempt only: for callers that retry at a higher level.
    package static let never = RetryPolicy(maxAttempts: 1)

    /// The wait before retry number `retry` (1 for the first retry). Full jitter: a uniform pick in
    /// `0...min(maxDelay, baseDelay * 2^(retry-1))`. A server's `Retry-After` wins when it is
    /// longer, but is still capped at `maxDelay`.
    package func delay(beforeRetry retry: Int, retryAfter: Duration? = nil) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let ceilingSeconds = Self.seconds(ceiling)
        let jittered = Duration.seconds(ceilingSeconds > 0 ? Double.random(in: 0...ceilingSeconds) : 0)
        guard let retryAfter else { return jittered }
        return min(maxDelay, max(jittered, retryAfter))
    }

    /// Whether an HTTP status is worth another try: 408, 409, 429 and every 5xx.
    package static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || (500...599).contains(status)
    }

    /// Whether a transport error is worth another try: timeouts and dropped or refused connections.
    /// Cancellation and request-building mistakes (a bad URL) are not.
    package static func isRetryable(error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let clientError = error as? HTTPClientError {
            return [
                .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded, .remoteConnectionClosed,
                .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .uncleanShutdown,
            ].contains(clientError)
        }
        // The connection closed before the answer was complete (a reset mid-response).
        if let parserError = error as? HTTPParserError, parserError == .invalidEOFState { return true }
        // NIOConnectionError, IOError (ECONNREFUSED, ECONNRESET), ChannelError: the network.
        return error is NIOConnectionError || error is IOError || error is ChannelError
    }

    /// Parses `Retry-After` given in seconds (the form stores send). HTTP dates are ignored.
    package static func retryAfter(_ headerValue: String?) -> Duration? {
        guard let headerValue, let seconds = Int(headerValue.trimmingCharacters(in: .whitespaces)), seconds >= 0
        else { return nil }
        return .seconds(seconds)
    }

    private static func seconds(_ duration: Duration) -> Double { duration.timeInterval }
}

extension RetryPolicy {
    /// What one attempt of a retried call came to.
    package enum Attempt<Success: Sendable, Failure: Error>: Sendable where Failure: Sendable {
        /// Done: return this.
        case success(Success)
        /// Failed in a way worth another try (after at least `retryAfter`, when the server said so).
        case retry(Failure, retryAfter: Duration?)
    }

    /// Runs `attempt` until it succeeds, throws, or `maxAttempts` is used up; waits per `delay` in
    /// between. When the tries run out it throws the last failure, which callers mark retryable so
    /// the job can run again later. A cancelled sleep also ends with the last failure.
    ///
    /// - Parameter step: the store step these tries are (`create an edit`): one span of that name
    ///   holds every try, and each try's requests are spans inside it.
    package func run<Success: Sendable, Failure: Error & Sendable>(
        step: String? = nil, isolation: isolated (any Actor)? = #isolation,
        _ attempt: (_ number: Int) async throws(Failure) -> Attempt<Success, Failure>
    ) async throws(Failure) -> Success {
        guard let step else { return try await tries(attempt) }
        return try await Traced.span(step) { (span) async throws(Failure) -> Success in
            span.attributes["slipway.step"] = step
            return try await tries(attempt)
        }
    }

    private func tries<Success: Sendable, Failure: Error & Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ attempt: (_ number: Int) async throws(Failure) -> Attempt<Success, Failure>
    ) async throws(Failure) -> Success {
        var number = 1
        while true {
            switch try await attempt(number) {
            case .success(let value):
                return value
            case .retry(let failure, let retryAfter):
                guard number < maxAttempts else { throw failure }
                do {
                    try await sleep(delay(beforeRetry: number, retryAfter: retryAfter))
                } catch {
                    throw failure
                }
                number += 1
            }
        }
    }
}
