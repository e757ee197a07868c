/// An artifact that is still being downloaded, shared by the stores that upload it while it arrives
/// (issue 12 §3: the first byte reaches a store long before the last one is on disk).
///
/// The downloader says when the file exists and how long it will be (`began`), how much of it is on
/// disk (`wrote`), and how it ended (`complete` or `fail`). A store's request body waits here for the
/// bytes it is about to read. The **last byte is held back until the download is complete and its
/// sha256 checked**: a store only ever receives a whole file once it is known to be the right one, so
/// a download that fails or does not match its digest leaves every store with an unfinished request
/// that the server throws away — never with a finished upload of unverified bytes.
///
/// Back-pressure is the disk: readers read from the file, so a slow store costs no memory, however far
/// behind the download it is.
package actor ArtifactArrival {
    /// Why a reader gave up waiting.
    package enum Failure: Error, Sendable, CustomStringConvertible, Equatable {
        /// The download failed (or its digest did not match) before the bytes were complete.
        case downloadFailed(String)
        /// The reader's task was cancelled while it waited.
        case cancelled

        package var description: String {
            switch self {
            case .downloadFailed(let reason): "the artifact download failed while the upload was reading it: \(reason)"
            case .cancelled: "the upload was cancelled while it waited for the artifact's bytes"
            }
        }
    }

    private enum State {
        case waiting
        /// `artifact.size` is the announced length (`Content-Length`).
        case arriving(Artifact, written: Int64)
        case complete(Artifact)
        case failed(String)
    }

    private struct Waiter {
        /// nil: waits for the download to begin (or end).
        var end: Int64?
        var continuation: CheckedContinuation<Void, Never>
    }

    private var state = State.waiting
    private var waiters: [UInt64: Waiter] = [:]
    private var cancelledWaiters: Set<UInt64> = []
    private var nextWaiter: UInt64 = 0
    private var readers: [UInt64: Int64] = [:]

    package init() {}

    // MARK: The downloader's side

    /// The file exists at `artifact.path` and will be `artifact.size` bytes long: stores may start.
    package func began(_ artifact: Artifact) {
        guard case .waiting = state else { return }
        var arriving = artifact
        arriving.arrival = self
        state = .arriving(arriving, written: 0)
        wake()
    }

    /// Bytes `0..<count` are in the file (written, readable by another handle).
    package func wrote(upTo count: Int64) {
        guard case .arriving(let artifact, let written) = state, count > written else { return }
        state = .arriving(artifact, written: min(count, artifact.size))
        wake()
    }

    /// The download finished and was checked; `artifact` carries its size and sha256.
    package func complete(_ artifact: Artifact) {
        switch state {
        case .complete, .failed: return
        case .waiting, .arriving: break
        }
        var complete = artifact
        complete.arrival = nil
        state = .complete(complete)
        wake()
    }

    /// The download failed or its digest did not match: every waiting reader fails.
    package func fail(_ reason: String) {
        switch state {
        case .complete, .failed: return
        case .waiting, .arriving: break
        }
        state = .failed(reason)
        wake()
    }

    // MARK: The stores' side

    /// Waits until stores can start: the artifact while it arrives (its `arrival` is this object), the
    /// complete artifact when it never announced itself (a zip to extract first, a length not known up
    /// front), or nil when the download failed before either.
    package func uploadable() async -> Artifact? {
        while true {
            switch state {
            case .arriving(let artifact, _): return artifact
            case .complete(let artifact): return artifact
            case .failed: return nil
            case .waiting:
                if await park(end: nil) { return nil }
            }
        }
    }

    /// Waits until bytes `0..<end` can be read from the file. Bytes that end the file are released only
    /// once the download is complete and checked. `reader` identifies one request body (its reads are
    /// counted in `readPositions`). Returns how far the reader may go before it asks again: what is
    /// readable now, but at most `ahead` bytes past `end` (so `readPositions` stays within `ahead` of
    /// the truth while readers ask only every few chunks).
    @discardableResult
    package func waitForBytes(upTo end: Int64, ahead: Int64 = 0, reader: UInt64) async throws(Failure) -> Int64 {
        while true {
            let readable: Int64?
            switch state {
            case .complete(let artifact): readable = max(end, artifact.size)
            case .failed(let reason): throw .downloadFailed(reason)
            case .arriving(let artifact, let written):
                // The end of the file stays held back: readable is at most one byte short of it.
                readable = end < artifact.size && end <= written ? min(written, artifact.size - 1) : nil
            case .waiting: readable = nil
            }
            if let readable {
                let limit = min(readable, end + ahead)
                readers[reader] = max(readers[reader] ?? 0, limit)
                return limit
            }
            readers[reader] = max(readers[reader] ?? 0, end)
            if await park(end: end) { throw .cancelled }
        }
    }

    /// Waits for the end of the download: the checked artifact (no `arrival`).
    package func completed() async throws(Failure) -> Artifact {
        while true {
            switch state {
            case .complete(let artifact): return artifact
            case .failed(let reason): throw .downloadFailed(reason)
            case .waiting, .arriving: break
            }
            if await park(end: Int64.max) { throw .cancelled }
        }
    }

    /// How far each request body has asked to read (the end of the chunk it reads next or last read).
    /// A store that reads slowly sits far behind the download here, and what it has not read is only
    /// on disk: the bytes held in memory for it are what it asked for and was not yet sent.
    package var readPositions: [Int64] { readers.values.sorted() }

    /// True once the download is complete and checked (readers need not wait any more).
    package var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    /// True once the download failed (an upload that fails after this failed because of it).
    package var hasFailed: Bool {
        if case .failed = state { return true }
        return false
    }

    // MARK: Waiting

    /// Suspends until the state changes in a way the waiter may care about; true when the waiting
    /// task was cancelled.
    private func park(end: Int64?) async -> Bool {
        let id = nextWaiter
        nextWaiter += 1
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if cancelledWaiters.remove(id) != nil || Task.isCancelled {
                    continuation.resume()
                } else {
                    waiters[id] = Waiter(end: end, continuation: continuation)
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
        return Task.isCancelled
    }

    private func cancelWaiter(_ id: UInt64) {
        if let waiter = waiters.removeValue(forKey: id) {
            waiter.continuation.resume()
        } else if id < nextWaiter {
            // Cancelled before it parked: it will see this when it does.
            cancelledWaiters.insert(id)
        }
    }

    /// Resumes the waiters the new state may satisfy; each checks again (cheap, and never wrong).
    private func wake() {
        let due: [UInt64]
        switch state {
        case .waiting: return
        case .complete, .failed: due = Array(waiters.keys)
        case .arriving(let artifact, let written):
            due = waiters.compactMap { id, waiter in
                guard let end = waiter.end else { return id }
                return end < artifact.size && end <= written ? id : nil
            }
        }
        for id in due {
            waiters.removeValue(forKey: id)?.continuation.resume()
        }
    }
}
