import Foundation
import HTTPTypes
package import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for Applivery, built from its public API pages, not from Slipway's client.
/// One server plays the three hosts under path prefixes, so a client proves it uses each
/// configured host: `{base}/upload` (upload host), `{base}/api` (API host), `{base}/download`
/// (download host).
///
/// - `POST /upload/v1/integrations/builds`: `multipart/form-data`, file part `build`, streamed and
///   hashed as it arrives; `Authorization: Bearer <app token>` (scheme matched case-insensitively).
/// - `GET /api/v1/integrations/builds/{id}`: the build with its `status`.
/// - `GET /api/v1/organizations/{org}/apps/{app}/builds/{id}/downloadToken?type=`: 5014 *Build Not
///   Processed* for the first `processingPolls` calls after the upload, then a token.
/// - `GET /download/v1/download/{token}`: `302` to `/files/{id}/{name}`, or 4005 *Token Expired*.
///
/// Errors use Applivery's body, `{"status":false,"error":{"code":…,"message":…}}`; the HTTP status
/// for each code is inferred (4002/4004/4005 → 401, 3001 → 404, 5014/5006 → 400).
package actor FakeApplivery {
    struct Build {
        var application: String
        var fileName: String
        var pollsLeft: Int
        var failsProcessing: Bool
    }

    package let appToken: String
    package let workspaceToken: String?
    package let organization: String
    package let applicationID: String

    private var builds: [String: Build] = [:]
    private var downloadTokens: [String: (buildID: String, serverExpiry: Date)] = [:]
    private var faults: [FakeAppliveryEndpoint: [FakeAppliveryFault]] = [:]
    private var processingPolls = 0
    private var failsNextProcessing = false
    private var tokensExpiringEarly = 0
    private var tokenLifetime: TimeInterval = 3600
    private var requireWorkspaceToken = false
    private var stalled: [CheckedContinuation<Void, Never>] = []
    private var stallsReleased = false
    /// Upload requests held by `.stall` so far.
    package private(set) var stalledUploads = 0

    /// Builds uploaded, in order.
    package private(set) var uploads: [FakeAppliveryUpload] = []
    /// Every request, in order.
    package private(set) var requests: [FakeAppliveryRequest] = []
    /// Download tokens handed out.
    package private(set) var tokensIssued = 0

    /// - Parameters:
    ///   - workspaceToken: a service-account token also accepted by the download-token call.
    package init(
        appToken: String, workspaceToken: String? = nil, organization: String = "acme",
        applicationID: String = "5f1e2d3c4b5a697887766554"
    ) {
        self.appToken = appToken
        self.workspaceToken = workspaceToken
        self.organization = organization
        self.applicationID = applicationID
    }

    // MARK: Setup

    /// Builds uploaded from now on answer 5014 to this many download-token calls before they are processed.
    package func setProcessingPolls(_ polls: Int) { processingPolls = polls }

    /// The next uploaded build ends processing in `error` (and never gets a download token).
    package func failNextProcessing() { failsNextProcessing = true }

    /// The next `count` download tokens answer 4005 at the download host although their
    /// `expiresAt` lies ahead (a server that revoked them, or a clock that disagrees).
    package func expireNextTokensEarly(_ count: Int) { tokensExpiringEarly += count }

    package func setTokenLifetime(seconds: Double) { tokenLifetime = seconds }

    /// The download-token call accepts only the workspace token (Applivery's current docs).
    package func requireWorkspaceTokenForDownloadTokens() { requireWorkspaceToken = true }

    package func enqueue(_ faults: FakeAppliveryFault..., at endpoint: FakeAppliveryEndpoint) {
        self.faults[endpoint, default: []].append(contentsOf: faults)
    }

    // MARK: Inspection

    package func requests(to endpoint: FakeAppliveryEndpoint) -> [FakeAppliveryRequest] {
        requests.filter { $0.endpoint == endpoint }
    }

    // MARK: Running

    package nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/upload/v1/integrations/builds") { request, _ in try await self.handleUpload(request) }
        router.get("/api/v1/integrations/builds") { request, _ in try await self.handleListBuilds(request) }
        router.get("/api/v1/integrations/builds/:id") { request, context in
            try await self.handleBuildDetails(request, id: context.parameters.get("id") ?? "")
        }
        router.get("/api/v1/organizations/:org/apps/:app/builds/:build/downloadToken") { request, context in
            try await self.handleDownloadToken(
                request, organization: context.parameters.get("org") ?? "", app: context.parameters.get("app") ?? "",
                buildID: context.parameters.get("build") ?? "")
        }
        router.get("/download/v1/download/:token") { request, context in
            try await self.handleDownload(request, token: context.parameters.get("token") ?? "")
        }
        router.get("/files/:build/:name") { request, _ in
            await self.log(.file, request, status: 200, code: nil)
            return Response(
                status: .ok, headers: [.contentType: "application/vnd.android.package-archive"],
                body: .init(byteBuffer: ByteBuffer(string: "fake build file")))
        }
        return router
    }

    /// Serves the fake while `body` runs; `body` gets the base URL (`http://127.0.0.1:PORT`).
    package nonisolated func run<T: Sendable>(
        logLevel: Logger.Level = .critical, body: (String) async throws -> T
    ) async throws -> T {
        try await FakeServer.run(router(), name: "applivery", logLevel: logLevel, body: body)
    }

    // MARK: Handlers

    /// Lets every upload held by `.stall` (and any later one) read its body.
    package func releaseStalledUploads() {
        stallsReleased = true
        for continuation in stalled { continuation.resume() }
        stalled = []
    }

    private func stall() async {
        stalledUploads += 1
        if stallsReleased { return }
        await withCheckedContinuation { stalled.append($0) }
    }

    nonisolated func handleUpload(_ request: Request) async throws -> Response {
        let fault = await nextFault(.upload)
        if fault == .stall { await stall() }
        if case .status(let status, let code, let message) = fault {
            return try await drain(request, then: faultResponse(status, code: code, message: message), .upload)
        }
        if let failure = await authorizationFailure(request.headers[.authorization], accepting: [appToken]) {
            return try await drain(request, then: failure, .upload)
        }
        guard let boundary = FakeMultipartReader.boundary(ofContentType: request.headers[.contentType]) else {
            return try await drain(
                request, then: FakeAppliveryResponses.error(400, code: 5006, message: "Expected multipart/form-data"),
                .upload)
        }
        var reader = FakeMultipartReader(boundary: boundary)
        var bodyBytes: Int64 = 0
        for try await buffer in request.body {
            bodyBytes += Int64(buffer.readableBytes)
            reader.feed(buffer.readableBytesView)
        }
        let declared = request.headers[.contentLength].flatMap { Int64($0) }
        guard reader.problem == nil, reader.isComplete, let file = reader.files.first(where: { $0.name == "build" }),
            file.byteCount > 0
        else {
            let response = FakeAppliveryResponses.error(
                400, code: 5006, message: "Upload failed: " + (reader.problem ?? "no build file in the request"))
            await log(.upload, request, status: 400, code: 5006)
            return response
        }
        if let declared, declared != bodyBytes {
            await log(.upload, request, status: 400, code: nil)
            return FakeAppliveryResponses.plain(400, "Content-Length \(declared) does not match the \(bodyBytes) bytes received")
        }
        let buildID = FakeOpaque.hex(bytes: 12)
        let upload = FakeAppliveryUpload(
            buildID: buildID, fields: reader.fields, fileName: file.fileName, byteCount: file.byteCount,
            sha256: file.sha256, declaredContentLength: declared, bodyBytes: bodyBytes)
        let build = await store(upload)
        if fault == .acceptThenDrop {
            await log(.upload, request, status: 0, code: nil)
            return Response(status: .created, body: ResponseBody(contentLength: 64) { _ in throw FakeConnectionReset() })
        }
        await log(.upload, request, status: 201, code: nil)
        return FakeAppliveryResponses.data(buildObject(buildID, build, status: "pending", fields: reader.fields), status: .created)
    }

    /// `GET /v1/integrations/builds?versionName=&status=&os=&page=&limit=`: the app's builds, newest
    /// first, as `{"status":true,"data":{"items":[…],"totalDocs":n,"page":p,"limit":l}}`.
    nonisolated func handleListBuilds(_ request: Request) async throws -> Response {
        if case .status(let status, let code, let message) = await nextFault(.listBuilds) {
            return try await drain(request, then: faultResponse(status, code: code, message: message), .listBuilds)
        }
        if let failure = await authorizationFailure(request.headers[.authorization], accepting: [appToken]) {
            return try await drain(request, then: failure, .listBuilds)
        }
        let query = request.uri.queryParameters
        let limit = query["limit"].flatMap { Int(String($0)) } ?? 10
        let page = max(1, query["page"].flatMap { Int(String($0)) } ?? 1)
        let versionName = query["versionName"].map(String.init)
        let listed = await uploads.reversed().filter { versionName == nil || $0.fields["versionName"] == versionName }
        var items: [[String: Any]] = []
        for upload in listed.dropFirst((page - 1) * limit).prefix(limit) {
            guard let build = await build(upload.buildID) else { continue }
            let status = build.failsProcessing ? "error" : (build.pollsLeft > 0 ? "in_progress" : "processed")
            var object = buildObject(upload.buildID, build, status: status, fields: upload.fields)
            object["deployer"] = [
                "name": upload.fields["deployer.name"] ?? "",
                "info": [
                    "commit": upload.fields["deployer.info.commit"] ?? "",
                    "buildNumber": upload.fields["deployer.info.buildNumber"] ?? "",
                    "branch": upload.fields["deployer.info.branch"] ?? "",
                ],
            ]
            items.append(object)
        }
        await log(.listBuilds, request, status: 200, code: nil)
        return FakeAppliveryResponses.data(["items": items, "totalDocs": listed.count, "page": page, "limit": limit])
    }

    nonisolated func handleBuildDetails(_ request: Request, id: String) async throws -> Response {
        if case .status(let status, let code, let message) = await nextFault(.buildDetails) {
            return try await drain(request, then: faultResponse(status, code: code, message: message), .buildDetails)
        }
        if let failure = await authorizationFailure(request.headers[.authorization], accepting: [appToken]) {
            return try await drain(request, then: failure, .buildDetails)
        }
        guard let build = await build(id) else {
            await log(.buildDetails, request, status: 404, code: 3001)
            return FakeAppliveryResponses.error(404, code: 3001)
        }
        let status = build.failsProcessing ? "error" : (build.pollsLeft > 0 ? "in_progress" : "processed")
        var object = buildObject(id, build, status: status, fields: [:])
        if build.failsProcessing {
            object["error"] = "Invalid package: the APK is not signed"
            object["errorCode"] = "5006"
        }
        await log(.buildDetails, request, status: 200, code: nil)
        return FakeAppliveryResponses.data(object)
    }

    nonisolated func handleDownloadToken(_ request: Request, organization: String, app: String, buildID: String)
        async throws -> Response
    {
        if case .status(let status, let code, let message) = await nextFault(.downloadToken) {
            return try await drain(request, then: faultResponse(status, code: code, message: message), .downloadToken)
        }
        let accepted = await acceptedDownloadTokenCredentials()
        if let failure = await authorizationFailure(request.headers[.authorization], accepting: accepted) {
            return try await drain(request, then: failure, .downloadToken)
        }
        let type = request.uri.queryParameters["type"].map(String.init) ?? "auto"
        guard ["auto", "file", "aab"].contains(type) else {
            await log(.downloadToken, request, status: 400, code: nil)
            return FakeAppliveryResponses.error(400, code: 4000, message: "Invalid type \(type)")
        }
        guard organization == self.organization, app == applicationID, await build(buildID) != nil else {
            await log(.downloadToken, request, status: 404, code: 3001)
            return FakeAppliveryResponses.error(404, code: 3001)
        }
        guard let issued = await issueToken(for: buildID) else {
            await log(.downloadToken, request, status: 400, code: 5014)
            return FakeAppliveryResponses.error(400, code: 5014)
        }
        await log(.downloadToken, request, status: 200, code: nil)
        return FakeAppliveryResponses.data(["token": issued.token, "expiresAt": issued.expiresAt])
    }

    nonisolated func handleDownload(_ request: Request, token: String) async throws -> Response {
        if case .status(let status, let code, let message) = await nextFault(.download) {
            return try await drain(request, then: faultResponse(status, code: code, message: message), .download)
        }
        switch await resolve(token) {
        case .unknown:
            await log(.download, request, status: 404, code: 3001)
            return FakeAppliveryResponses.error(404, code: 3001)
        case .expired:
            await log(.download, request, status: 401, code: 4005)
            return FakeAppliveryResponses.error(401, code: 4005)
        case .file(let buildID, let fileName):
            await log(.download, request, status: 302, code: nil)
            let host = request.head.authority ?? "127.0.0.1"
            let encoded = fileName.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? fileName
            return Response(status: .found, headers: [.location: "http://\(host)/files/\(buildID)/\(encoded)"])
        }
    }

    // MARK: State

    private enum Resolution {
        case unknown, expired
        case file(String, String)
    }

    private func resolve(_ token: String) -> Resolution {
        guard let entry = downloadTokens[token], let build = builds[entry.buildID] else { return .unknown }
        guard entry.serverExpiry > Date() else { return .expired }
        return .file(entry.buildID, build.fileName)
    }

    private func nextFault(_ endpoint: FakeAppliveryEndpoint) -> FakeAppliveryFault? {
        guard var queue = faults[endpoint], !queue.isEmpty else { return nil }
        let fault = queue.removeFirst()
        faults[endpoint] = queue
        return fault
    }

    private func acceptedDownloadTokenCredentials() -> [String] {
        if requireWorkspaceToken { return workspaceToken.map { [$0] } ?? [] }
        return [appToken] + (workspaceToken.map { [$0] } ?? [])
    }

    /// 4002 without a bearer token, 4004 with one the fake does not know; the scheme is matched
    /// case-insensitively (`bearer` works, as Applivery's own tools send it).
    private func authorizationFailure(_ header: String?, accepting tokens: [String]) -> Response? {
        guard let header, let space = header.firstIndex(of: " "),
            header[..<space].lowercased() == "bearer"
        else {
            return FakeAppliveryResponses.error(401, code: 4002)
        }
        let token = header[header.index(after: space)...].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { return FakeAppliveryResponses.error(401, code: 4002) }
        guard tokens.contains(token) else { return FakeAppliveryResponses.error(401, code: 4004) }
        return nil
    }

    private func store(_ upload: FakeAppliveryUpload) -> Build {
        let build = Build(
            application: applicationID, fileName: upload.fileName, pollsLeft: processingPolls,
            failsProcessing: failsNextProcessing)
        failsNextProcessing = false
        builds[upload.buildID] = build
        uploads.append(upload)
        return build
    }

    private func build(_ id: String) -> Build? { builds[id] }

    /// A token for a processed build; nil (5014) while it is processing or when processing failed.
    private func issueToken(for buildID: String) -> (token: String, expiresAt: String)? {
        guard var build = builds[buildID] else { return nil }
        if build.failsProcessing { return nil }
        if build.pollsLeft > 0 {
            build.pollsLeft -= 1
            builds[buildID] = build
            return nil
        }
        let token = FakeOpaque.base64URL(length: 32)
        let expiry = Date().addingTimeInterval(tokenLifetime)
        var serverExpiry = expiry
        if tokensExpiringEarly > 0 {
            tokensExpiringEarly -= 1
            serverExpiry = Date().addingTimeInterval(-1)
        }
        downloadTokens[token] = (buildID, serverExpiry)
        tokensIssued += 1
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return (token, formatter.string(from: expiry))
    }

    private func log(_ endpoint: FakeAppliveryEndpoint, _ request: Request, status: Int, code: Int?) {
        requests.append(
            FakeAppliveryRequest(
                endpoint: endpoint, method: request.method.rawValue, path: request.uri.path,
                type: request.uri.queryParameters["type"].map(String.init), status: status, errorCode: code))
    }

    private nonisolated func drain(_ request: Request, then response: Response, _ endpoint: FakeAppliveryEndpoint)
        async throws -> Response
    {
        for try await _ in request.body {}
        await log(endpoint, request, status: Int(response.status.code), code: nil)
        return response
    }

    private nonisolated func faultResponse(_ status: Int, code: Int?, message: String?) -> Response {
        if let code { return FakeAppliveryResponses.error(status, code: code, message: message) }
        return FakeAppliveryResponses.plain(status, message ?? "upstream temporarily unavailable")
    }

    private nonisolated func buildObject(_ id: String, _ build: Build, status: String, fields: [String: String])
        -> [String: Any]
    {
        var object: [String: Any] = [
            "id": id, "status": status, "application": build.application, "os": "android", "size": 0,
            "createdAt": "2026-01-01T00:00:00.000Z",
        ]
        if let versionName = fields["versionName"] { object["versionName"] = versionName }
        if let changelog = fields["changelog"] { object["changelog"] = changelog }
        if let tags = fields["tags"] {
            object["tags"] = tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return object
    }
}
