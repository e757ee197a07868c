import SlipwayStores

/// Stands in for the job store in store tests: what a flow saved in its checkpoint, and how often.
actor SavedCheckpoints {
    var values: [String: String] = [:]
    var saves = 0

    func save(_ new: [String: String]) {
        values = new
        saves += 1
    }

    /// A checkpoint holding what was saved so far, as the next attempt would get it.
    var checkpoint: StoreCheckpoint {
        StoreCheckpoint(saved: values) { new in await self.save(new) }
    }
}
