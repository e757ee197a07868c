/// What a store's flow saved part-way through one upload, so that the job running again — after a
/// crash, a lost answer or a retryable failure — continues that upload instead of starting another
/// one at the store (issue 13 §2).
///
/// The delivery processor keeps it in the store's result in the job store (`resumeData` of the
/// `.running` result) and hands back what the previous attempt saved. Values may include a
/// store-issued, short-lived upload URL (Product Science's signed `uploadSpec`): the job store is
/// the one place that holds it, only while the upload is in flight; results shown to people never
/// carry `resumeData`.
package struct StoreCheckpoint: Sendable {
    /// What the previous attempt saved; empty on a first attempt.
    package let saved: [String: String]
    private let persist: @Sendable ([String: String]) async throws -> Void

    package init(saved: [String: String], persist: @escaping @Sendable ([String: String]) async throws -> Void) {
        self.saved = saved
        self.persist = persist
    }

    /// For callers that run one attempt only (`slipway deliver`, tests): nothing saved, nothing kept.
    package static let none = StoreCheckpoint(saved: [:]) { _ in }

    /// Saves `values` (replacing what was saved) before the flow goes on. A checkpoint that cannot be
    /// written is reported as an error, since continuing would make a second record at the store
    /// after a crash without anyone knowing why.
    package func save(_ values: [String: String]) async throws {
        try await persist(values)
    }
}
