/// Runs work for one key at a time, in arrival order; other keys run freely. Within one process.
///
/// Two places need it: the reports of one pull request (two builds reporting at once must not both
/// post a comment, nor one overwrite the other's history), and the submissions to one Amazon app
/// (one Edit, whose every write carries the ETag its writer read: concurrent deliveries keep
/// invalidating each other's).
package actor KeyedSerializer {
    private var tails: [String: Task<Void, Never>] = [:]

    package init() {}

    /// Runs `work` after all work for `key` that asked before it.
    /// - Parameter forwardingCancellation: cancelling the caller cancels `work` (an upload that must
    ///   stop with its delivery); otherwise `work` finishes regardless (a comment edit half-made).
    package func run<T: Sendable>(
        _ key: String, forwardingCancellation: Bool = false, _ work: @escaping @Sendable () async -> T
    ) async -> T {
        let previous = tails[key]
        let task = Task {
            await previous?.value
            return await work()
        }
        let tail = Task { _ = await task.value }
        tails[key] = tail
        let result = await withTaskCancellationHandler { await task.value } onCancel: {
            if forwardingCancellation { task.cancel() }
        }
        if tails[key] == tail { tails[key] = nil }
        return result
    }
}
