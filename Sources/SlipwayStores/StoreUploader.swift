package import Logging
package import SlipwayCore

/// One store's upload flow. Implementations are clients of the store's real API; each is built
/// from a `StoreDefinition` with its secrets already resolved.
package protocol StoreUploader: Sendable {
    var definition: StoreDefinition { get }

    /// Uploads `artifact` (already on local disk) and returns the result: `.succeeded` with links, or
    /// `.waiting` when the store is still processing. Throws `StoreError` naming the step that failed.
    func deliver(_ artifact: Artifact, for event: BuildEvent, logger: Logger) async throws(StoreError) -> StoreResult

    /// The same, for a job that may run again: flows that make a record at the store before the
    /// file goes (Product Science's build) save it in `checkpoint` and continue it next time.
    func deliver(_ artifact: Artifact, for event: BuildEvent, checkpoint: StoreCheckpoint, logger: Logger)
        async throws(StoreError) -> StoreResult
}

extension StoreUploader {
    /// Flows whose every step can be looked up or repeated at the store need no checkpoint.
    package func deliver(_ artifact: Artifact, for event: BuildEvent, checkpoint: StoreCheckpoint, logger: Logger)
        async throws(StoreError) -> StoreResult
    {
        try await deliver(artifact, for: event, logger: logger)
    }
}

/// A store whose work goes on after the upload (review, approval, processing). Its `deliver`
/// returns `.waiting` with `resumeData`; Slipway then calls `poll` on a backing-off schedule that
/// survives restarts, and reports every change, until the result is final.
package protocol PollingStoreUploader: StoreUploader {
    /// Checks a `.waiting` result again and returns it updated (still waiting, or final).
    func poll(_ previous: StoreResult, for event: BuildEvent, logger: Logger) async throws(StoreError) -> StoreResult
}

/// A store call that failed, with everything a user needs: which store, which step, what the store
/// said, and what to do. Never carries a token or a signed URL's query string.
package struct StoreError: Error, CustomStringConvertible, Sendable {
    package var store: String
    package var storeType: StoreType
    package var failure: StoreFailure
    /// True for 408/409/429/5xx and connection errors: the job may run again later.
    package var isRetryable: Bool

    package init(store: String, storeType: StoreType, failure: StoreFailure, isRetryable: Bool) {
        self.store = store
        self.storeType = storeType
        self.failure = failure
        self.isRetryable = isRetryable
    }

    package var description: String {
        "\(storeType.displayName) (store \"\(store)\"): \(failure)"
    }

    /// The result to record and report for this failure.
    package var result: StoreResult {
        StoreResult(
            store: store, storeType: storeType, state: .failed, summary: "failed: \(failure.step)", failure: failure)
    }
}
