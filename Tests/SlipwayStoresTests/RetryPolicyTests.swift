import AsyncHTTPClient
import SlipwayStores
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test(arguments: [408, 409, 429, 500, 502, 503, 504])
    func transientStatusesAreRetried(status: Int) {
        #expect(RetryPolicy.isRetryable(status: status))
    }

    @Test(arguments: [400, 401, 403, 404, 412, 422])
    func refusalsAreNotRetried(status: Int) {
        #expect(!RetryPolicy.isRetryable(status: status))
    }

    @Test func timeoutsAndDroppedConnectionsAreRetriedButCancellationIsNot() {
        #expect(RetryPolicy.isRetryable(error: HTTPClientError.readTimeout))
        #expect(RetryPolicy.isRetryable(error: HTTPClientError.remoteConnectionClosed))
        #expect(!RetryPolicy.isRetryable(error: HTTPClientError.invalidURL))
        #expect(!RetryPolicy.isRetryable(error: CancellationError()))
    }

    @Test func delaysStayUnderTheExponentialCeilingAndTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(1), maxDelay: .seconds(8))
        for retry in 1...8 {
            let ceiling = min(Duration.seconds(8), .seconds(1 << (retry - 1)))
            let delay = policy.delay(beforeRetry: retry)
            #expect(delay >= .zero && delay <= ceiling)
        }
    }

    @Test func retryAfterIsHonouredUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .seconds(30))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(7)) == .seconds(7))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(120)) == .seconds(30))
        #expect(RetryPolicy.retryAfter("12") == .seconds(12))
        #expect(RetryPolicy.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
    }

    actor Sleeps {
        var count = 0
        func add() { count += 1 }
    }

    struct Failure: Error {}

    @Test func runGivesUpAfterMaxAttemptsWithTheLastFailure() async {
        let sleeps = Sleeps()
        let policy = RetryPolicy(maxAttempts: 3, sleep: { _ in await sleeps.add() })
        var attempts = 0
        await #expect(throws: Failure.self) {
            try await policy.run { (number) async throws(Failure) -> RetryPolicy.Attempt<Int, Failure> in
                attempts = number
                return .retry(Failure(), retryAfter: nil)
            }
        }
        #expect(attempts == 3)
        #expect(await sleeps.count == 2)
    }
}
