/// The SQLite schema, one entry per version. Never edit a shipped version: append a new one.
///
/// sqlite-nio runs one statement per query, so every version is a list of single statements.
/// Dates are unix seconds (REAL); domain values are JSON text.
enum SQLiteSchema {
    static let versions: [[String]] = [
        // 1: deliveries, jobs, store results, report references.
        [
            """
            CREATE TABLE deliveries (
                id TEXT PRIMARY KEY,
                source TEXT NOT NULL,
                external_id TEXT NOT NULL,
                build_key TEXT NOT NULL,
                event_json TEXT NOT NULL,
                plan_json TEXT NOT NULL,
                state TEXT NOT NULL,
                last_error TEXT,
                received_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                UNIQUE (source, external_id),
                UNIQUE (build_key)
            )
            """,
            "CREATE INDEX deliveries_received ON deliveries (received_at)",
            """
            CREATE TABLE jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                run_at REAL NOT NULL,
                locked_by TEXT,
                lease_until REAL,
                last_error TEXT,
                payload TEXT
            )
            """,
            "CREATE INDEX jobs_due ON jobs (state, run_at)",
            "CREATE INDEX jobs_delivery ON jobs (delivery_id)",
            """
            CREATE TABLE store_results (
                delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                store TEXT NOT NULL,
                position INTEGER NOT NULL,
                result_json TEXT NOT NULL,
                PRIMARY KEY (delivery_id, store)
            )
            """,
            """
            CREATE TABLE report_refs (
                delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (delivery_id, key)
            )
            """,
        ],
        // 2: values every replica shares (the generated session-signing key).
        [
            "CREATE TABLE shared_values (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        ],
        // 3: short leases replicas take before editing something they share (a PR's one comment).
        [
            "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until_at REAL NOT NULL)"
        ],
        // 4: a delivery always comes with its first deliver job, so accepting a batch of webhooks is
        // one INSERT statement (atomic on its own: no BEGIN/COMMIT round trips on the hot path).
        [
            """
            CREATE TRIGGER deliveries_first_job AFTER INSERT ON deliveries
            BEGIN
                INSERT INTO jobs (delivery_id, kind, state, attempts, run_at)
                VALUES (NEW.id, 'deliver', 'queued', 0, NEW.received_at);
            END
            """
        ],
        // 5: retention finds finished deliveries by when they last changed (server.retention_days).
        [
            "CREATE INDEX deliveries_finished ON deliveries (state, updated_at)"
        ],
        // 6: the W3C trace context of the webhook that was accepted, so the delivery's spans join its trace.
        [
            "ALTER TABLE deliveries ADD COLUMN trace_parent TEXT"
        ],
    ]
}
