/// File contents by blob id. A blob id names content (git hashes it), so an entry never goes
/// stale: a file unchanged between two commits is read once, however many builds ask.
package actor RepositoryFileCache {
    private var texts: [String: String] = [:]
    private var order: [String] = []
    private let capacity: Int

    package init(capacity: Int = 256) {
        self.capacity = capacity
    }

    func text(for key: String) -> String? { texts[key] }

    func store(_ text: String, for key: String) {
        if texts[key] == nil { order.append(key) }
        texts[key] = text
        while order.count > capacity { texts[order.removeFirst()] = nil }
    }
}

/// A file of a repository at one commit.
package struct RepositoryFile: Sendable, Equatable {
    package var path: String
    /// Git's blob id of the content.
    package var blobID: String
    package var text: String
}
