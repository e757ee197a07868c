package import Logging

/// Opens the job store a database URL names.
package enum JobStores {
    /// Opens a store; call `migrate()` next, and `close()` when done.
    ///
    /// - `sqlite:PATH`: a SQLite file, relative to the working directory unless absolute
    ///   (`sqlite:data/slipway.db`, `sqlite:/var/lib/slipway/jobs.db`; `sqlite:///abs/path` works too).
    ///   The folder is created when missing.
    /// - `postgres://user[:password]@host[:port]/db` or `postgresql://…`: PostgreSQL, no TLS unless
    ///   `?sslmode=require`. Connections are made lazily, so a wrong host shows up at `migrate()`.
    ///
    /// Anything else throws `JobStoreError.unsupportedDatabaseURL`. The password never reaches a log
    /// line or an error message.
    package static func open(databaseURL: String, logger: Logger) async throws -> any JobStore {
        let shown = DatabaseURLRedaction.redacted(databaseURL)
        if databaseURL.hasPrefix("sqlite:") {
            var path = String(databaseURL.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw JobStoreError.unsupportedDatabaseURL(shown) }
            logger.info("opening SQLite job store", metadata: ["path": "\(path)"])
            return try await SQLiteJobStore.open(path: path, logger: logger)
        }
        if PostgresURL.isPostgres(databaseURL) {
            logger.info("opening PostgreSQL job store", metadata: ["url": "\(shown)"])
            return try PostgresJobStore(url: databaseURL, logger: logger)
        }
        throw JobStoreError.unsupportedDatabaseURL(shown)
    }
}
