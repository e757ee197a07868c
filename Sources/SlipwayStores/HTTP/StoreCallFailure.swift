package import SlipwayCore

/// A failed store call before it is tied to a configured store: what went wrong (`StoreFailure`,
/// already scrubbed of secrets) and whether trying again later may help. The uploader turns it into
/// a `StoreError` naming its store.
package struct StoreCallFailure: Error, Sendable, CustomStringConvertible {
    package var failure: StoreFailure
    package var isRetryable: Bool

    package init(failure: StoreFailure, isRetryable: Bool) {
        self.failure = failure
        self.isRetryable = isRetryable
    }

    package init(step: String, message: String, hint: String? = nil, httpStatus: Int? = nil, isRetryable: Bool) {
        self.init(
            failure: StoreFailure(step: step, message: message, hint: hint, httpStatus: httpStatus),
            isRetryable: isRetryable)
    }

    package var description: String { failure.description }

    /// The same failure attributed to `store`.
    package func storeError(store: String, storeType: StoreType) -> StoreError {
        StoreError(store: store, storeType: storeType, failure: failure, isRetryable: isRetryable)
    }
}
