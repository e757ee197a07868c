import Foundation
import Logging
import SlipwayCore
import SlipwayQueue
import Testing

/// The job stores the conformance suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The kinds the conformance tests run against: PostgreSQL only when a server is given.
    static var available: [StoreKind] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// `postgres://…` of a database the tests may fill; each test uses a fresh schema in it.
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["SLIPWAY_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A store of one kind for one test, plus a way to open the same database again (the "restart").
struct TestDatabase: Sendable {
    let kind: StoreKind
    /// The database URL `JobStores.open` takes.
    let url: String
    private let folder: URL?

    /// Opens a new, empty database, or cancels the test (shown as skipped) when its kind is not available.
    init(_ kind: StoreKind) throws {
        self.kind = kind
        switch kind {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("slipway-queue-tests-\(UUID().uuidString)")
            self.folder = folder
            url = "sqlite:" + folder.appendingPathComponent("nested/jobs.db").path
        case .postgres:
            guard let base = StoreKind.postgresURL else {
                try Test.cancel(
                    "PostgreSQL case skipped: SLIPWAY_TEST_POSTGRES_URL is not set (run scripts/with-postgres.sh swift test)")
            }
            folder = nil
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            url = base + (base.contains("?") ? "&" : "?") + "schema=" + schema
        }
    }

    func open() async throws -> any JobStore {
        let store = try await JobStores.open(databaseURL: url, logger: testLogger)
        try await store.migrate()
        return store
    }

    /// Opens a store, runs `body`, closes the store and removes the database files.
    func with<T>(_ body: (any JobStore) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            let result = try await body(store)
            try await store.close()
            removeFiles()
            return result
        } catch {
            try? await store.close()
            removeFiles()
            throw error
        }
    }

    func removeFiles() {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "slipway.queue.tests")
    logger.logLevel = .critical
    return logger
}()

/// A fixed point in time, on a whole second so stored dates compare equal after a round trip.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)

enum Fixtures {
    static func event(buildID: String = UUID().uuidString, repository: String = "acme/app", attempt: Int = 1) -> BuildEvent {
        BuildEvent(
            provider: .github, repository: repository, branch: "main", sha: "0123456789abcdef", trigger: .push,
            conclusion: .success, buildID: buildID, attempt: attempt, buildURL: "https://ci.example/runs/\(buildID)",
            artifactSource: .githubRun(repository: repository, runID: 42), commitMessage: "Ship it",
            commitTimestamp: t0)
    }

    /// No uploads: the queue stores the plan as JSON and never looks inside it.
    static let plan = DeliveryPlan(matchedRules: ["main-to-internal"], uploads: [], notifications: ["slack"])

    static func delivery(
        externalID: String = UUID().uuidString, event: BuildEvent = event(), receivedAt: Date = t0
    ) -> NewDelivery {
        NewDelivery(source: "github", externalID: externalID, event: event, plan: plan, receivedAt: receivedAt)
    }

    static func result(_ store: String, _ state: StoreResult.State, summary: String) -> StoreResult {
        StoreResult(
            store: store, storeType: StoreType.allCases[0], state: state, summary: summary,
            links: [.init(title: "Install", url: "https://play.example/\(store)")],
            details: [.init(label: "sha256", value: "abc")], updatedAt: t0)
    }
}

extension AcceptOutcome {
    /// The id of an accepted delivery; records an issue and throws for a duplicate.
    func acceptedID(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard case .accepted(let id) = self else {
            Issue.record("expected a new delivery, got \(self)", sourceLocation: sourceLocation)
            throw TestFailure.unexpected("\(self)")
        }
        return id
    }
}

enum TestFailure: Error {
    case unexpected(String)
}
