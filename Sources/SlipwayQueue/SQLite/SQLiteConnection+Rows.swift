import SQLiteNIO

extension SQLiteConnection {
    /// Runs `sql` and returns its rows, reading them on the thread pool in the same hop as the
    /// statement.
    ///
    /// Why not `query(_:_:)`: that convenience comes from the `SQLiteDatabase` protocol and goes
    /// through the future-based requirement, which submits every row to the event loop as its own
    /// task and then bridges the future back — two extra thread wake-ups per row, a measurable share
    /// of intake time (docs/benchmarks.md). `SQLiteConnection`'s own async `query(_:_:_:)` calls
    /// the row closure on the thread pool, synchronously, before it returns.
    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        nonisolated(unsafe) var rows: [SQLiteRow] = []
        try await query(sql, binds) { rows.append($0) }
        return rows
    }
}
