/// An app has one Edit, and every write to it must carry the ETag of what the writer read: two
/// deliveries to one app working at once keep invalidating each other's ETags (412s). So within
/// this process, submissions to one app take turns, in arrival order. (Replicas are not
/// coordinated; a 412 that survives a re-read while the Edit is still open is retried later.)
actor AmazonEditTurns {
    private var tail: Task<Void, Never>?

    /// Runs `work` after every submission that asked before it. Cancelling the caller cancels `work`.
    func take<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> T {
        let previous = tail
        let task = Task {
            await previous?.value
            return await work()
        }
        tail = Task { _ = await task.value }
        return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }
}
