package import Logging

extension RetryPolicy {
    /// Sends the request `make` builds until it is answered with a status not worth another try
    /// (2xx, 3xx, 4xx other than 408/409/429), and returns that answer for the caller to read.
    /// Transport failures are retried when they may pass; `failure` turns a retryable answer that
    /// ran out of tries into the store's own message. `secrets` are scrubbed from every failure.
    package func send(
        step: String, service: String, secrets: [String], logger: Logger,
        _ make: () async throws -> StoreHTTPResponse,
        failure: (StoreHTTPResponse) -> StoreCallFailure
    ) async throws(StoreCallFailure) -> StoreHTTPResponse {
        try await run(step: step) { (number) async throws(StoreCallFailure) -> Attempt<StoreHTTPResponse, StoreCallFailure> in
            if number > 1 { logger.info("retrying \(service) call", metadata: ["step": "\(step)", "attempt": "\(number)"]) }
            let response: StoreHTTPResponse
            do {
                response = try await make()
            } catch let error as StoreTransportError {
                let failure = StoreCallFailure(
                    step: step, message: Redaction.scrub(error.description, secrets: secrets),
                    hint: error.isRetryable ? "\(service) could not be reached; Slipway will try again" : nil,
                    isRetryable: error.isRetryable)
                guard error.isRetryable else { throw failure }
                return .retry(failure, retryAfter: nil)
            } catch let error as ArtifactFileError {
                throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: false)
            } catch is CancellationError {
                throw StoreCallFailure(step: step, message: "cancelled", isRetryable: true)
            } catch {
                throw StoreCallFailure(step: step, message: Redaction.scrub("\(error)", secrets: secrets), isRetryable: false)
            }
            if Self.isRetryable(status: response.status) {
                return .retry(failure(response), retryAfter: Self.retryAfter(response.header("Retry-After")))
            }
            return .success(response)
        }
    }
}
