import Crypto
import Foundation
import HTTPTypes
package import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for Product Science's Regression Analysis upload API and the cloud storage
/// its signed URLs point at, built from `docs/ra/api.md`, not from Slipway's client.
///
/// - `POST /api/v1/projects/{project}/build-uploads` → `201 {"id","dateCreated"}`.
/// - `POST /api/v1/projects/{project}/builds` (JSON; `contextId` as number or text) → `200` with
///   `uploadSpec` (method, a URL on this fake carrying an `X-Goog-Signature` query, headers with
///   `X-Goog-Content-Length-Range`) and the build (`uploadState: UPLOADING`).
/// - `{uploadSpec.method} /storage/{bucket}/{object}?X-Goog-Signature=…`: checks the signature,
///   that every signed header arrived with its value (else 403 `SignatureDoesNotMatch`), and the
///   declared `Content-Length` against the range (else 400 `EntityTooLarge`) before reading the body;
///   then streams and hashes it.
///
/// API errors are `{"message":…}` JSON (the real format is undocumented); storage errors are
/// GCS's XML `<Error><Code>…</Code><Message>…</Message></Error>`.
package actor FakeProductScience {
    struct Signed {
        var buildID: Int
        var signature: String
        var method: String
        var headers: [String: String]
        var range: ClosedRange<Int64>
        var expired: Bool
    }

    package let token: String
    package let project: String
    private var nextContextID = 28
    private var nextBuildID = 70
    private var contexts: Set<Int> = []
    private var signed: [String: Signed] = [:]
    private var faults: [FakeProductScienceEndpoint: [FakeProductScienceFault]] = [:]
    private var maxBytes: Int64 = 1_073_741_824
    private var method = "PUT"
    private var extraHeaders: [String: String] = [:]
    private var expireNextURLs = 0
    private var storageHost: String?

    package private(set) var builds: [FakeProductScienceBuild] = []
    package private(set) var uploads: [FakeProductScienceUpload] = []
    package private(set) var requests: [FakeProductScienceRequest] = []

    package init(token: String, project: String = "acme-android") {
        self.token = token
        self.project = project
    }

    // MARK: Setup

    /// The largest body the signed URLs accept (their `X-Goog-Content-Length-Range` upper end).
    package func setMaxBytes(_ bytes: Int64) { maxBytes = bytes }
    /// The method `uploadSpec` asks for (`PUT` as documented).
    package func setUploadMethod(_ method: String) { self.method = method }
    /// Headers added to every `uploadSpec` (and enforced on the upload), beside the two documented.
    package func addSignedHeader(_ name: String, _ value: String) { extraHeaders[name] = value }
    /// Signed URLs name this `HOST:PORT` instead of the one the API was called on (cloud storage is
    /// another origin than the API).
    package func setStorageHost(_ host: String) { storageHost = host }
    /// The next `count` signed URLs answer 400 `ExpiredToken`.
    package func expireNextURLs(_ count: Int) { expireNextURLs += count }
    /// Every signed URL issued so far answers 400 `ExpiredToken` from now on.
    package func expireIssuedURLs() {
        for key in signed.keys { signed[key]?.expired = true }
    }
    package func enqueue(_ faults: FakeProductScienceFault..., at endpoint: FakeProductScienceEndpoint) {
        self.faults[endpoint, default: []].append(contentsOf: faults)
    }

    // MARK: Running

    package nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/api/v1/projects/:project/build-uploads") { request, context in
            try await self.handleContext(request, project: context.parameters.get("project") ?? "")
        }
        router.post("/api/v1/projects/:project/builds") { request, context in
            try await self.handleBuild(request, project: context.parameters.get("project") ?? "")
        }
        router.put("/storage/:bucket/:object") { request, context in
            try await self.handleStorage(request, object: context.parameters.get("object") ?? "")
        }
        router.post("/storage/:bucket/:object") { request, context in
            try await self.handleStorage(request, object: context.parameters.get("object") ?? "")
        }
        return router
    }

    /// Serves the fake while `body` runs; `body` gets the base URL, which is the store's `api_url`.
    package nonisolated func run<T: Sendable>(
        logLevel: Logger.Level = .critical, body: (String) async throws -> T
    ) async throws -> T {
        try await FakeServer.run(router(), name: "product-science", logLevel: logLevel, body: body)
    }

    // MARK: Handlers

    nonisolated func handleContext(_ request: Request, project: String) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        if let refusal = await refusal(request, project: project, endpoint: .context) {
            await log(.context, request, refusal, bytes: Int64(body.readableBytes))
            return refusal
        }
        let id = await newContext()
        let response = Self.json(.created, ["id": id, "dateCreated": Self.timestamp()])
        await log(.context, request, response, bytes: Int64(body.readableBytes))
        return response
    }

    nonisolated func handleBuild(_ request: Request, project: String) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let bytes = Int64(body.readableBytes)
        if let refusal = await refusal(request, project: project, endpoint: .builds) {
            await log(.builds, request, refusal, bytes: bytes)
            return refusal
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            let response = Self.json(.badRequest, ["message": "Request body must be a JSON object"])
            await log(.builds, request, response, bytes: bytes)
            return response
        }
        let contextText = (object["contextId"] as? String)
        let contextID = (object["contextId"] as? Int) ?? contextText.flatMap { Int($0) }
        let buildType = object["buildType"] as? String
        let fileName = object["buildFileName"] as? String
        var problem: String?
        if contextID == nil { problem = "contextId is required" }
        else if await !knows(context: contextID!) { problem = "Unknown upload context \(contextID!)" }
        else if buildType != "APK" && buildType != "INSTRUMENTED_APK" { problem = "buildType must be APK or INSTRUMENTED_APK" }
        else if (fileName ?? "").isEmpty { problem = "buildFileName is required" }
        if let problem {
            let response = Self.json(.badRequest, ["message": problem])
            await log(.builds, request, response, bytes: bytes)
            return response
        }
        let host = request.head.authority ?? "127.0.0.1"
        let build = FakeProductScienceBuild(
            id: 0, contextID: contextID!, contextIDWasText: contextText != nil, buildType: buildType!,
            buildFileName: fileName!, name: object["name"] as? String, description: object["description"] as? String,
            sourceControlId: object["sourceControlId"] as? String,
            sourceControlIsoTimestamp: object["sourceControlIsoTimestamp"] as? String, uploadState: "UPLOADING")
        let (stored, spec) = await register(build, host: host)
        let response = Self.json(
            .ok,
            [
                "uploadSpec": ["method": spec.method, "url": spec.url, "headers": spec.headers] as [String: Any],
                "build": [
                    "id": stored.id, "contextId": stored.contextID, "buildType": stored.buildType,
                    "buildFileName": stored.buildFileName, "name": stored.name ?? NSNull(),
                    "description": stored.description ?? NSNull(), "sourceControlId": stored.sourceControlId ?? NSNull(),
                    "sourceControlIsoTimestamp": stored.sourceControlIsoTimestamp ?? NSNull(),
                    "dateCreated": Self.timestamp(), "uploadState": stored.uploadState,
                ] as [String: Any],
            ])
        await log(.builds, request, response, bytes: bytes)
        return response
    }

    nonisolated func handleStorage(_ request: Request, object: String) async throws -> Response {
        var bytes: Int64 = 0
        func refuse(_ status: Int, _ code: String, _ message: String) async throws -> Response {
            for try await buffer in request.body { bytes += Int64(buffer.readableBytes) }
            let response = Self.xmlError(status, code: code, message: message)
            await log(.storage, request, response, bytes: bytes)
            return response
        }
        let fault = await nextFault(.storage)
        if case .status(let status, let message) = fault {
            let code = status >= 500 ? "InternalError" : (status == 403 ? "SignatureDoesNotMatch" : "BadRequest")
            return try await refuse(status, code, message ?? "We encountered an internal error. Please try again.")
        }
        let signature = request.uri.queryParameters["X-Goog-Signature"].map(String.init)
        guard let entry = await signedEntry(object), let signature, signature == entry.signature else {
            return try await refuse(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
        }
        if entry.expired {
            return try await refuse(400, "ExpiredToken", "The provided token has expired. Request signature expired.")
        }
        guard request.method.rawValue == entry.method else {
            return try await refuse(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Method \(request.method.rawValue) was not signed.")
        }
        for (name, value) in entry.headers {
            guard let field = HTTPField.Name(name), request.headers[field] == value else {
                return try await refuse(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Signed header \(name) is missing or differs.")
            }
        }
        if request.headers[.authorization] != nil {
            return try await refuse(400, "InvalidArgument", "Signed URLs must not carry an Authorization header.")
        }
        guard let declared = request.headers[.contentLength].flatMap({ Int64($0) }) else {
            return try await refuse(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
        }
        guard entry.range.contains(declared) else {
            return try await refuse(400, declared > entry.range.upperBound ? "EntityTooLarge" : "EntityTooSmall", "Your proposed upload is outside the size range \(entry.range.lowerBound),\(entry.range.upperBound).")
        }
        var hasher = SHA256()
        for try await buffer in request.body {
            bytes += Int64(buffer.readableBytes)
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        }
        guard bytes == declared else {
            return try await refuse(400, "IncompleteBody", "The request body is \(bytes) bytes, Content-Length said \(declared).")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        await finish(
            FakeProductScienceUpload(
                buildID: entry.buildID, method: request.method.rawValue, headers: headers, byteCount: bytes,
                sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined()))
        if fault == .acceptThenDrop {
            return Response(status: .ok, body: ResponseBody(contentLength: 64) { _ in throw FakeConnectionReset() })
        }
        let response = Response(status: .ok, headers: [.contentLength: "0"])
        await log(.storage, request, response, bytes: bytes)
        return response
    }

    // MARK: State

    private func refusal(_ request: Request, project: String, endpoint: FakeProductScienceEndpoint) -> Response? {
        if case .status(let status, let message) = nextFault(endpoint) {
            return Self.json(.init(code: status), ["message": message ?? "Error \(status)"])
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
            header.dropFirst(7).trimmingCharacters(in: .whitespaces) == token
        else {
            return Self.json(.unauthorized, ["message": "Invalid or missing token"])
        }
        guard project == self.project else {
            return Self.json(.notFound, ["message": "Project \(project) not found"])
        }
        return nil
    }

    private func nextFault(_ endpoint: FakeProductScienceEndpoint) -> FakeProductScienceFault? {
        guard var queue = faults[endpoint], !queue.isEmpty else { return nil }
        let fault = queue.removeFirst()
        faults[endpoint] = queue
        return fault
    }

    private func newContext() -> Int {
        let id = nextContextID
        nextContextID += 1
        contexts.insert(id)
        return id
    }

    private func knows(context: Int) -> Bool { contexts.contains(context) }

    private func register(_ build: FakeProductScienceBuild, host: String)
        -> (FakeProductScienceBuild, (method: String, url: String, headers: [String: String]))
    {
        var build = build
        build.id = nextBuildID
        nextBuildID += 1
        builds.append(build)
        let object = FakeOpaque.hex(bytes: 8)
        let signature = FakeOpaque.hex(bytes: 32)
        var headers = ["Content-Type": "application/octet-stream", "X-Goog-Content-Length-Range": "0,\(maxBytes)"]
        for (name, value) in extraHeaders { headers[name] = value }
        let expired = expireNextURLs > 0
        if expired { expireNextURLs -= 1 }
        signed[object] = Signed(
            buildID: build.id, signature: signature, method: method, headers: headers, range: 0...maxBytes,
            expired: expired)
        let url = "http://\(storageHost ?? host)/storage/ps-builds/\(object)?X-Goog-Algorithm=GOOG4-RSA-SHA256"
            + "&X-Goog-Credential=uploader%40ps.iam.gserviceaccount.com%2F20260101%2Fauto%2Fstorage%2Fgoog4_request"
            + "&X-Goog-Expires=900&X-Goog-SignedHeaders=content-type%3Bhost%3Bx-goog-content-length-range"
            + "&X-Goog-Signature=\(signature)"
        return (build, (method, url, headers))
    }

    private func signedEntry(_ object: String) -> Signed? { signed[object] }

    private func finish(_ upload: FakeProductScienceUpload) {
        uploads.append(upload)
        if let index = builds.firstIndex(where: { $0.id == upload.buildID }) { builds[index].uploadState = "FINISHED" }
    }

    private func log(_ endpoint: FakeProductScienceEndpoint, _ request: Request, _ response: Response, bytes: Int64) {
        requests.append(
            FakeProductScienceRequest(
                endpoint: endpoint, method: request.method.rawValue, path: request.uri.path,
                status: Int(response.status.code), bodyBytes: bytes))
    }

    // MARK: Responses

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        FakeServer.json(status, object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// GCS's error document. Like GCS, `SignatureDoesNotMatch` carries a `StringToSign`, which a
    /// client must not quote.
    static func xmlError(_ status: Int, code: String, message: String) -> Response {
        var xml = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>\(code)</Code><Message>\(message)</Message>"
        if code == "SignatureDoesNotMatch" {
            xml += "<StringToSign>GOOG4-RSA-SHA256 X-Goog-Signature=secret-canonical-request</StringToSign>"
        }
        xml += "</Error>"
        return Response(
            status: .init(code: status), headers: [.contentType: "application/xml; charset=UTF-8"],
            body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
