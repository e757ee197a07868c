import Foundation
import HTTPTypes
package import Hummingbird
package import Logging

/// A loopback stand-in for the Amazon Appstore App Submission API and the Login with Amazon token
/// endpoint, built from Amazon's public description (flows page, reference notes), not from
/// Slipway's client. It enforces what the real service enforces:
///
/// - `POST /auth/o2/token`: client-credentials grant; checks client id and secret and the
///   `appstore::apps:readwrite` scope; tokens stop working after `expires_in`.
/// - One open Edit per app: `POST /edits` while one is open answers 409; `GET /edits` answers
///   `{}` when none is open. A new Edit starts as a copy of the live version (APKs, listings).
/// - ETags: every GET of a resource returns one; every write changes it (and the Edit's). Writes
///   and DELETEs without `If-Match` get `400 required_data_absent`; with a stale one, 412.
/// - While the app is in review (after a commit, or a scripted `enterReview`), updates get 412
///   "Precondition Failed"; deleting the Edit still works.
/// - APK uploads above `largeFileThresholdBytes` are refused (413): use `apks/large/upload` +
///   `apks/attach`. `replaceApk` keeps the APK's id and device targeting; `deleteApk` + upload
///   starts fresh. Bodies are streamed and hashed, never collected.
/// - Listings: only supported language codes; `PUT` must carry the whole listing (fields the
///   stored listing has may not be dropped). Images: only the documented image types.
///   Availability: `dateTime` `YYYY-MM-DDThh:mm:ss(.s)` and a supported `zoneId`.
/// - `validate` / `commit` refuse an Edit without an APK (403 with the validation errors).
///
/// Faults are queued per operation; every request is recorded for inspection.
package actor FakeAmazonAppstore {
    package static let scope = "appstore::apps:readwrite"
    static let singleImageTypes: Set<String> = ["small-icons", "large-icons", "firetv-icons", "firetv-featured-logos"]

    struct EditState {
        var id: String
        var status = "IN_PROGRESS"
        var apks: [FakeAmazonAPK]
        /// Full listing objects as JSON, per language.
        var listings: [String: Data]
        var images: [String: [String]] = [:]
        var availability: Data?
    }

    struct AppState {
        var liveAPKs: [FakeAmazonAPK] = []
        var liveListings: [String: Data] = [:]
        var edit: EditState?
        var inReview = false
        var largeFiles: [String: (bytes: Int64, sha256: String, name: String?)] = [:]
    }

    var apps: [String: AppState] = [:]
    var etags: [String: String] = [:]
    private var etagCounter = 0
    private var credentials: [String: String] = [:]
    private var tokens: [String: Date] = [:]
    private var faults: [(FakeAmazonOperation, FakeAmazonFault)] = []
    private var tokenLifetimeSeconds: Int
    var nextVersionCode: Int
    /// Plain APK uploads above this are refused with 413 (Amazon: "larger than 300M").
    package private(set) var largeFileThresholdBytes: Int64

    /// Access tokens handed out.
    package private(set) var tokensIssued = 0
    /// OAuth error codes the token endpoint answered (`invalid_client`, …).
    package private(set) var tokenErrors: [String] = []
    /// Every request, in order.
    package private(set) var requests: [FakeAmazonRequest] = []
    /// Ids of Edits created through the API, deleted through the API, committed.
    package private(set) var editsCreated: [String] = []
    package private(set) var editsDeleted: [String] = []
    package private(set) var editsCommitted: [String] = []

    package init(
        tokenLifetimeSeconds: Int = 3600, largeFileThresholdBytes: Int64 = 300 * 1024 * 1024,
        firstVersionCode: Int = 100
    ) {
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.largeFileThresholdBytes = largeFileThresholdBytes
        self.nextVersionCode = firstVersionCode
    }

    // MARK: Setup

    /// Trusts a security profile's client id and secret.
    package func register(clientID: String, clientSecret: String) {
        credentials[clientID] = clientSecret
    }

    /// Adds a live app with these APKs and a listing (title, descriptions, recent changes) per language.
    package func addApp(_ appID: String, apks: [FakeAmazonAPK] = [], languages: [String] = ["en_US"]) {
        var app = AppState()
        app.liveAPKs = apks
        for language in languages {
            let listing: [String: Any] = [
                "language": language, "title": "Example App", "shortDescription": "Short",
                "fullDescription": "Full description", "recentChanges": "Previous release", "featureBullets": ["Fast"],
                "keywords": ["example"],
            ]
            app.liveListings[language] = (try? JSONSerialization.data(withJSONObject: listing)) ?? Data()
        }
        apps[appID] = app
    }

    /// Opens an Edit as a person in the console would; returns its id.
    @discardableResult
    package func openEdit(of appID: String) -> String? {
        guard var app = apps[appID], app.edit == nil else { return nil }
        let edit = makeEdit(from: app)
        app.edit = edit
        apps[appID] = app
        return edit.id
    }

    package func setInReview(_ inReview: Bool, appID: String) {
        apps[appID]?.inReview = inReview
    }

    /// Amazon finished reviewing the committed Edit: it becomes the live version and no Edit is open.
    package func finishReview(of appID: String) {
        guard var app = apps[appID] else { return }
        if let edit = app.edit, edit.status != "IN_PROGRESS" {
            app.liveAPKs = edit.apks
            app.liveListings = edit.listings
            app.edit = nil
        }
        app.inReview = false
        apps[appID] = app
    }

    package func setTokenLifetime(seconds: Int) { tokenLifetimeSeconds = seconds }

    /// Queues `fault` for the next request of `operation` (faults for one operation apply in order).
    package func enqueue(_ fault: FakeAmazonFault, on operation: FakeAmazonOperation) {
        faults.append((operation, fault))
    }

    // MARK: Inspection

    /// The app's current Edit (open or in review), if any.
    package func edit(of appID: String) -> FakeAmazonEdit? {
        guard let edit = apps[appID]?.edit else { return nil }
        var listings: [String: [String: String]] = [:]
        for (language, data) in edit.listings {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            listings[language] = object.compactMapValues { $0 as? String }
        }
        var dateTime: String?
        var zoneID: String?
        if let data = edit.availability,
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let date = object["publishingDate"] as? [String: Any]
        {
            dateTime = date["dateTime"] as? String
            zoneID = date["zoneId"] as? String
        }
        return FakeAmazonEdit(
            id: edit.id, status: edit.status, apks: edit.apks, listings: listings, images: edit.images,
            releaseDateTime: dateTime, releaseZoneID: zoneID)
    }

    package func liveAPKs(of appID: String) -> [FakeAmazonAPK] { apps[appID]?.liveAPKs ?? [] }

    package func requests(_ operation: FakeAmazonOperation) -> [FakeAmazonRequest] {
        requests.filter { $0.operation == operation }
    }

    /// Body bytes read from all requests together.
    package var bodyBytesReceived: Int64 { requests.reduce(0) { $0 + $1.bodyBytes } }

    /// Faults still waiting for their request.
    package var pendingFaults: Int { faults.count }

    // MARK: Running

    package nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/auth/o2/token") { request, _ in try await self.handleToken(request) }
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("/v1/applications/**", method: method) { request, _ in try await self.handleAPI(request) }
        }
        return router
    }

    /// Serves the fake while `body` runs. `body` gets the base URL, which is the `api_url`; the
    /// token URL is the base URL plus `/auth/o2/token`.
    package nonisolated func run<T: Sendable>(
        logLevel: Logger.Level = .critical, body: (String) async throws -> T
    ) async throws -> T {
        try await FakeServer.run(router(), name: "amazon-appstore", logLevel: logLevel, body: body)
    }

    // MARK: State used by the handlers

    func takeFault(for operation: FakeAmazonOperation) -> FakeAmazonFault? {
        guard let index = faults.firstIndex(where: { $0.0 == operation }) else { return nil }
        return faults.remove(at: index).1
    }

    func record(_ request: FakeAmazonRequest) { requests.append(request) }

    func credentialsMatch(clientID: String, clientSecret: String) -> Bool {
        credentials[clientID] == clientSecret
    }

    func recordTokenError(_ error: String) { tokenErrors.append(error) }

    func issueToken() -> (token: String, expiresIn: Int) {
        let token = "Atza|fake-" + FakeOpaque.base64URL(length: 48)
        tokens[token] = Date().addingTimeInterval(TimeInterval(tokenLifetimeSeconds))
        tokensIssued += 1
        return (token, tokenLifetimeSeconds)
    }

    func expireTokens() {
        for key in tokens.keys { tokens[key] = .distantPast }
    }

    func isAuthorized(_ header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        guard let expiry = tokens[String(header.dropFirst(7))] else { return false }
        return expiry > Date()
    }

    func makeEdit(from app: AppState) -> EditState {
        let id = "amzn1.devportal.apprelease." + FakeOpaque.hex(bytes: 16)
        return EditState(id: id, apks: app.liveAPKs, listings: app.liveListings)
    }

    /// The current ETag of a resource (made up on first use).
    func etag(_ key: String) -> String {
        if let existing = etags[key] { return existing }
        etagCounter += 1
        let value = "\"\(FakeOpaque.hex(bytes: 8))-\(etagCounter)\""
        etags[key] = value
        return value
    }

    /// A write changed `keys` (and so the Edit they belong to): they get new ETags.
    func changed(_ keys: String...) {
        for key in keys {
            etagCounter += 1
            etags[key] = "\"\(FakeOpaque.hex(bytes: 8))-\(etagCounter)\""
        }
    }

    func makeVersionCode() -> Int {
        defer { nextVersionCode += 1 }
        return nextVersionCode
    }

    func noteCreated(_ id: String) { editsCreated.append(id) }
    func noteDeleted(_ id: String) { editsDeleted.append(id) }
    func noteCommitted(_ id: String) { editsCommitted.append(id) }
}
