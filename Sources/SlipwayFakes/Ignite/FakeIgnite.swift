package import Foundation
import HTTPTypes
package import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for Digital Turbine's Account Service and App Management API, built from
/// DT's public page (store-apis.md §4). One server plays both hosts under path prefixes, so a
/// client proves it uses each configured host: `{base}/account` and `{base}/appmanagement`.
///
/// - `POST /account/api/auth/token`: JSON client credentials (`grant_type` `client_credentials`,
///   `scope` `openid email roles`) → `access_token`, `expires_in` (the lifetime is settable).
/// - `POST /appmanagement/v1/upload_apk/external_user`: bearer token; `multipart/form-data` (JSON
///   text parts or bracketed keys) or `application/json` with a base64 `file`. The file is
///   streamed and hashed; every documented field is required; `store_metadata.package_name` must
///   be the package of the APK received (known from `register(_:)`: the fake cannot read APKs)
///   and `store_metadata.size` its byte count.
/// - `GET /appmanagement/v1/apks_external/{id}`: the APK's statuses, one scripted step further on
///   each call (the last step repeats).
///
/// DT documents no error format; the fake answers JSON:API `{"errors":[{"status","title","detail"}]}`
/// and OAuth `{"error","error_description"}` on the token endpoint.
package actor FakeIgnite {
    package static let scope = "openid email roles"

    package let clientID: String
    package let clientSecret: String

    var tokens: [String: Date] = [:]
    var tokenLifetime: TimeInterval = 3600
    var knownAPKs: [String: String] = [:]
    var apks: [String: (steps: [FakeIgniteStatuses], next: Int)] = [:]
    var nextScript: [FakeIgniteStatuses]?
    private var faults: [FakeIgniteEndpoint: [FakeIgniteFault]] = [:]

    /// Tokens handed out.
    package private(set) var tokensIssued = 0
    /// Every upload, accepted or refused, in order.
    package internal(set) var uploads: [FakeIgniteUpload] = []
    /// Every request, in order.
    package private(set) var requests: [FakeIgniteRequest] = []

    package init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    // MARK: Setup

    /// Tells the fake which package an APK file is (by its sha256), as DT would read it.
    package func register(_ apk: FakeAPK) {
        if let packageName = apk.packageName { knownAPKs[apk.sha256] = packageName }
    }

    /// The next upload's statuses go through `steps`: the upload answer shows the first, each
    /// status check the next, and the last repeats.
    package func scriptNextUpload(_ steps: [FakeIgniteStatuses]) { nextScript = steps }

    package func setTokenLifetime(seconds: TimeInterval) { tokenLifetime = seconds }

    /// Every token issued so far stops working (as if its hour were up).
    package func expireIssuedTokens() {
        for token in tokens.keys { tokens[token] = Date().addingTimeInterval(-1) }
    }

    package func enqueue(_ faults: FakeIgniteFault..., at endpoint: FakeIgniteEndpoint) {
        self.faults[endpoint, default: []].append(contentsOf: faults)
    }

    // MARK: Inspection

    package func requests(to endpoint: FakeIgniteEndpoint) -> [FakeIgniteRequest] {
        requests.filter { $0.endpoint == endpoint }
    }

    // MARK: Running

    package nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/account/api/auth/token") { request, _ in try await self.handleToken(request) }
        router.post("/appmanagement/v1/upload_apk/external_user") { request, _ in try await self.handleUpload(request) }
        router.get("/appmanagement/v1/apks_external/:id") { request, context in
            try await self.handleStatus(request, id: context.parameters.get("id") ?? "")
        }
        return router
    }

    /// Serves the fake while `body` runs; `body` gets the base URL (`http://127.0.0.1:PORT`).
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T)
        async throws -> T
    {
        try await FakeServer.run(router(), name: "ignite", logLevel: logLevel, body: body)
    }

    // MARK: Status

    nonisolated func handleStatus(_ request: Request, id: String) async throws -> Response {
        if let response = try await faultResponse(request, .status) { return response }
        if let failure = try await authorizationFailure(request, .status) { return failure }
        guard let statuses = await advance(id) else {
            await log(.status, request, status: 404)
            return Self.apiError(404, "APK \(id) not found")
        }
        await log(.status, request, status: 200)
        return Self.statusDocument(id: id, statuses)
    }

    private func advance(_ id: String) -> FakeIgniteStatuses? {
        guard var apk = apks[id] else { return nil }
        apk.next = min(apk.next + 1, apk.steps.count - 1)
        apks[id] = apk
        return apk.steps[apk.next]
    }

    /// Records an accepted upload's script; answers its first step.
    func accept(_ upload: FakeIgniteUpload, id: String, sendToSamsung: Bool) -> FakeIgniteStatuses {
        let steps = nextScript ?? Self.defaultScript(sendToSamsung: sendToSamsung)
        nextScript = nil
        apks[id] = (steps, 0)
        uploads.append(upload)
        return steps[0]
    }

    /// DT's documented path: processing, then Samsung (when asked), then a representative.
    static func defaultScript(sendToSamsung: Bool) -> [FakeIgniteStatuses] {
        let samsung = sendToSamsung ? ("SCHEDULED", "COMPLETED") : ("NOT_REQUESTED", "NOT_REQUESTED")
        return [
            FakeIgniteStatuses(upload: "SCHEDULED", samsung: samsung.0, manual: "PENDING"),
            FakeIgniteStatuses(upload: "COMPLETED", samsung: samsung.0, manual: "PENDING"),
            FakeIgniteStatuses(upload: "COMPLETED", samsung: samsung.1, manual: "PENDING"),
            FakeIgniteStatuses(upload: "COMPLETED", samsung: samsung.1, manual: "APPROVED"),
        ]
    }

    // MARK: Shared

    func nextFault(_ endpoint: FakeIgniteEndpoint) -> FakeIgniteFault? {
        guard var queue = faults[endpoint], !queue.isEmpty else { return nil }
        let fault = queue.removeFirst()
        faults[endpoint] = queue
        return fault
    }

    /// The scripted fault's answer (body drained), or nil to go on.
    nonisolated func faultResponse(_ request: Request, _ endpoint: FakeIgniteEndpoint) async throws -> Response? {
        guard case .status(let status, let message, let retryAfter) = await nextFault(endpoint) else { return nil }
        for try await _ in request.body {}
        var response =
            endpoint == .token
            ? Self.json(["error": status >= 500 ? "server_error" : "invalid_request", "error_description": message ?? "scripted failure"], status: status)
            : Self.apiError(status, message ?? "scripted failure")
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        await log(endpoint, request, status: status)
        return response
    }

    /// 401 unless the request carries a bearer token the fake issued and that has not expired.
    nonisolated func authorizationFailure(_ request: Request, _ endpoint: FakeIgniteEndpoint) async throws -> Response? {
        let header = request.headers[.authorization] ?? ""
        let token = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)) : ""
        guard await isValid(token) else {
            for try await _ in request.body {}
            await log(endpoint, request, status: 401)
            return Self.apiError(401, token.isEmpty ? "Missing bearer token" : "Invalid or expired token")
        }
        return nil
    }

    private func isValid(_ token: String) -> Bool {
        guard let expiry = tokens[token] else { return false }
        return expiry > Date()
    }

    func log(_ endpoint: FakeIgniteEndpoint, _ request: Request, status: Int) {
        let header = request.headers[.authorization] ?? ""
        requests.append(
            FakeIgniteRequest(
                endpoint: endpoint, method: request.method.rawValue, path: request.uri.path, status: status,
                bearer: header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)) : nil))
    }

    func issueToken() -> (String, Int) {
        let token = "dt_" + FakeOpaque.base64URL(length: 40)
        tokens[token] = Date().addingTimeInterval(tokenLifetime)
        tokensIssued += 1
        return (token, Int(tokenLifetime))
    }

    static func statusDocument(id: String, _ statuses: FakeIgniteStatuses) -> Response {
        var attributes: [String: Any] = [
            "id": id, "upload_status": statuses.upload, "samsung_approval_status": statuses.samsung,
            "manual_approval_status": statuses.manual,
        ]
        for (key, value) in statuses.extra { attributes[key] = value }
        return json(["data": ["id": id, "type": "ApkStatuses", "attributes": attributes]], status: 200)
    }

    static func apiError(_ status: Int, _ detail: String) -> Response { apiError(status, [detail]) }

    static func apiError(_ status: Int, _ details: [String]) -> Response {
        let title = HTTPResponse.Status(code: status).reasonPhrase
        return json(
            ["errors": details.map { ["status": String(status), "title": title, "detail": $0] }], status: status)
    }

    static func json(_ object: [String: Any], status: Int) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
