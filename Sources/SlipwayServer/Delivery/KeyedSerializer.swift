/// Runs work for one key at a time, in arrival order (two builds of one pull request reporting at
/// once must not both post a comment, nor one overwrite the other's history). Other keys run freely.
/// Within one replica; replicas editing one comment at the same instant are not serialised.
actor KeyedSerializer {
    private var tails: [String: Task<Void, Never>] = [:]

    func run(_ key: String, _ work: @escaping @Sendable () async -> Void) async {
        let previous = tails[key]
        let task = Task {
            await previous?.value
            await work()
        }
        tails[key] = task
        await task.value
        if tails[key] == task { tails[key] = nil }
    }
}
