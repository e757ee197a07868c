package import Foundation
import Hummingbird
package import Logging
import NIOCore
import ZIPFoundation

/// A loopback stand-in for the parts of the GitHub REST API Slipway uses, built from GitHub's
/// documentation rather than from Slipway's client:
///
/// - `GET /user`; `GET /repos/{o}/{r}/actions/runs/{id}/artifacts` (paginated);
///   `GET /repos/{o}/{r}/actions/artifacts/{id}/zip` → 302 to a signed, one-minute URL on a
///   separate blob host (another port, so another origin) that refuses an `Authorization` header
///   the way Azure Blob does, and expired signatures; 410 for an expired artifact.
/// - `POST /repos/{o}/{r}/statuses/{sha}` (422 over 140 characters or for an unknown state).
/// - `GET/POST /repos/{o}/{r}/issues/{n}/comments` (paginated with `Link`), `PATCH /repos/{o}/{r}/issues/comments/{id}`
///   (422 over 65,536 characters).
///
/// Every API call checks `Authorization: Bearer|token <token>` (401 "Bad credentials" otherwise).
/// State lives in this actor; tests inspect it and queue faults per route.
package actor FakeGitHub {
    package let token: String
    package let login: String

    struct Run {
        var artifacts: [Artifact]
    }

    struct Artifact {
        var id: Int
        var name: String
        var zip: Data
        var expired: Bool
    }

    private var runs: [String: Run] = [:]
    /// Runs as listed by `GET /repos/{o}/{r}/actions/runs` (see `FakeGitHub+Runs`).
    var workflowRuns: [FakeWorkflowRun] = []
    var knownRepositories: Set<String> = []
    /// Repositories the app's installation does not cover (`uninstallApp(from:)`).
    var uninstalledRepositories: Set<String> = []
    /// Run listings answered with a body, and with 304 Not Modified.
    package internal(set) var runListingsServed = 0
    package internal(set) var runListingsNotModified = 0
    private var artifactsByID: [Int: (repository: String, artifact: Artifact)] = [:]
    private var nextID = 1000
    private var statusesBySHA: [String: [FakeGitHubStatus]] = [:]
    private var commentsByIssue: [String: [FakeGitHubComment]] = [:]
    private var faults: [FakeGitHubRoute: [FakeGitHubFault]] = [:]
    private var blobSecret = UUID().uuidString
    private(set) var blobBaseURL = ""
    private var externalStorage: ExternalArtifactStorage?
    /// GitHub App mode (`enableApp`): the app, and the installation tokens it handed out (token → expiry).
    var app: FakeGitHubApp?
    var installationTokens: [String: Date] = [:]
    /// Repository files by repository, then commit, then path (`commit(_:in:files:)`).
    var commits: [String: [String: [String: Data]]] = [:]
    /// Git blob reads served (`GET /repos/{o}/{r}/git/blobs/{sha}`).
    package internal(set) var gitBlobsServed = 0
    /// Check runs by id (only Apps may create them).
    var checkRuns: [Int: FakeGitHubCheckRun] = [:]
    /// Statuses the next installation-token requests answer with, before one succeeds.
    var appTokenFaults: [Int] = []
    /// Installation tokens issued, and app JWTs refused (bad signature, claims or lifetime).
    package internal(set) var installationTokensIssued = 0
    package internal(set) var refusedJWTs = 0
    /// The API's own base URL once running (absolute `archive_download_url`s and `Link`s, as GitHub sends).
    private(set) var apiBaseURL = ""

    /// Every API call, as `METHOD path`, in order.
    package private(set) var requestLog: [String] = []
    /// Requests that reached the blob host carrying an `Authorization` header (must stay empty).
    package private(set) var blobRequestsWithAuthorization = 0
    /// Successful artifact zip downloads from the blob host.
    package private(set) var blobDownloads = 0

    package init(token: String, login: String = "slipway-bot") {
        self.token = token
        self.login = login
    }

    // MARK: Setup

    /// Adds a workflow run whose artifacts are zip archives built from `artifacts`
    /// (artifact name → path inside the zip → bytes).
    package func addRun(repository: String, runID: Int64, artifacts: [String: [String: Data]]) {
        var list: [Artifact] = []
        for name in artifacts.keys.sorted() {
            nextID += 1
            let artifact = Artifact(id: nextID, name: name, zip: Self.zip(artifacts[name] ?? [:]), expired: false)
            list.append(artifact)
            artifactsByID[artifact.id] = (repository, artifact)
        }
        runs["\(repository)#\(runID)"] = Run(artifacts: list)
        knownRepositories.insert(repository)
    }

    /// Marks every artifact of a run expired (GitHub keeps them listed with `expired: true`).
    package func expireArtifacts(repository: String, runID: Int64) {
        guard var run = runs["\(repository)#\(runID)"] else { return }
        for index in run.artifacts.indices {
            run.artifacts[index].expired = true
            artifactsByID[run.artifacts[index].id]?.artifact.expired = true
        }
        runs["\(repository)#\(runID)"] = run
    }

    /// Marks one artifact of a run expired; its zip download then answers 410.
    package func expireArtifact(repository: String, runID: Int64, name: String) {
        guard var run = runs["\(repository)#\(runID)"] else { return }
        for index in run.artifacts.indices where run.artifacts[index].name == name {
            run.artifacts[index].expired = true
            artifactsByID[run.artifacts[index].id]?.artifact.expired = true
        }
        runs["\(repository)#\(runID)"] = run
    }

    /// Adds a comment as another user (to check Slipway never edits someone else's comment).
    package func addComment(repository: String, issue: Int, author: String, body: String) {
        nextID += 1
        commentsByIssue["\(repository)#\(issue)", default: []].append(
            FakeGitHubComment(id: nextID, author: author, body: body, edits: 0))
    }

    /// Makes the next `count` calls of `route` answer `status` (a 5xx by default) with GitHub's
    /// `{"message": …}` body.
    package func failNext(_ count: Int, on route: FakeGitHubRoute, status: Int = 502, message: String = "Server Error") {
        faults[route, default: []].append(contentsOf: Array(repeating: .status(status, message: message), count: count))
    }

    /// Queues faults for the next calls of `route`, one per call.
    package func enqueue(_ faults: FakeGitHubFault..., on route: FakeGitHubRoute) {
        self.faults[route, default: []].append(contentsOf: faults)
    }

    // MARK: Inspection

    package func statuses(repository: String, sha: String) -> [FakeGitHubStatus] {
        statusesBySHA["\(repository)@\(sha)"] ?? []
    }

    package func comments(repository: String, issue: Int) -> [FakeGitHubComment] {
        commentsByIssue["\(repository)#\(issue)"] ?? []
    }

    // MARK: Running

    /// Serves the API and the blob host on two free loopback ports while `body` runs; `body` gets
    /// the API base URL (what `sources.github.api_url` is set to).
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        try await FakeServer.run(blobRouter(), name: "github-blobs", logLevel: logLevel) { blobURL in
            await self.setBlobBaseURL(blobURL)
            return try await FakeServer.run(apiRouter(), name: "github", logLevel: logLevel) { apiURL in
                await self.setAPIBaseURL(apiURL)
                return try await body(apiURL)
            }
        }
    }

    private func setBlobBaseURL(_ url: String) {
        blobBaseURL = url
    }

    private func setAPIBaseURL(_ url: String) {
        apiBaseURL = url
    }

    nonisolated func apiRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        addAppRoutes(to: router)
        addCheckRunRoutes(to: router)
        addRunListingRoutes(to: router)
        addContentsRoutes(to: router)
        router.get("/user") { request, _ in
            try await self.authorized(request, route: .user, "GET /user") { await self.userResponse() }
        }
        router.get("/repos/:owner/:repo/actions/runs/:run/artifacts") { request, context in
            let repository = Self.repository(context)
            let run = context.parameters.get("run") ?? ""
            let page = request.uri.queryParameters.get("page", as: Int.self) ?? 1
            let perPage = request.uri.queryParameters.get("per_page", as: Int.self) ?? 30
            let name = request.uri.queryParameters.get("name")
            return try await self.authorized(request, route: .listArtifacts, "GET artifacts \(repository)#\(run)") {
                await self.listArtifacts(repository: repository, run: run, page: page, perPage: perPage, name: name)
            }
        }
        router.get("/repos/:owner/:repo/actions/artifacts/:id/:format") { request, context in
            let repository = Self.repository(context)
            let id = context.parameters.get("id", as: Int.self) ?? -1
            return try await self.authorized(request, route: .downloadArtifact, "GET artifact zip \(id)") {
                await self.downloadRedirect(repository: repository, id: id, format: context.parameters.get("format") ?? "")
            }
        }
        router.post("/repos/:owner/:repo/statuses/:sha") { request, context in
            let repository = Self.repository(context)
            let sha = context.parameters.get("sha") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            return try await self.authorized(request, route: .createStatus, "POST status \(repository)@\(sha)") {
                await self.createStatus(repository: repository, sha: sha, body: Data(body.readableBytesView))
            }
        }
        router.get("/repos/:owner/:repo/issues/:number/comments") { request, context in
            let key = "\(Self.repository(context))#\(context.parameters.get("number") ?? "")"
            let page = request.uri.queryParameters.get("page", as: Int.self) ?? 1
            let perPage = min(request.uri.queryParameters.get("per_page", as: Int.self) ?? 30, 100)
            let path = request.uri.path
            return try await self.authorized(request, route: .listComments, "GET comments \(key)") {
                await self.listComments(key: key, page: page, perPage: perPage, path: path)
            }
        }
        router.post("/repos/:owner/:repo/issues/:number/comments") { request, context in
            let key = "\(Self.repository(context))#\(context.parameters.get("number") ?? "")"
            let body = try await request.body.collect(upTo: 1 << 21)
            return try await self.authorized(request, route: .createComment, "POST comment \(key)") {
                await self.createComment(key: key, body: Data(body.readableBytesView))
            }
        }
        router.patch("/repos/:owner/:repo/issues/comments/:id") { request, context in
            let repository = Self.repository(context)
            let id = context.parameters.get("id", as: Int.self) ?? -1
            let body = try await request.body.collect(upTo: 1 << 21)
            return try await self.authorized(request, route: .updateComment, "PATCH comment \(id)") {
                await self.updateComment(repository: repository, id: id, body: Data(body.readableBytesView))
            }
        }
        return router
    }

    nonisolated func blobRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/blobs/:id") { request, context in
            let id = context.parameters.get("id", as: Int.self) ?? -1
            let signature = request.uri.queryParameters.get("sig") ?? ""
            let expiry = request.uri.queryParameters.get("se", as: Double.self) ?? 0
            return await self.blob(
                id: id, signature: signature, expiry: expiry, hasAuthorization: request.headers[.authorization] != nil)
        }
        return router
    }

    // MARK: Handlers

    static func repository(_ context: BasicRequestContext) -> String {
        "\(context.parameters.get("owner") ?? "")/\(context.parameters.get("repo") ?? "")"
    }

    func authorized(
        _ request: Request, route: FakeGitHubRoute, _ description: String, handle: () async -> Response
    ) async throws -> Response {
        requestLog.append(description)
        let header = request.headers[.authorization] ?? ""
        guard header == "Bearer \(token)" || header == "token \(token)" || isLiveInstallationToken(header) else {
            return Self.json(.unauthorized, ["message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"])
        }
        if var queue = faults[route], !queue.isEmpty {
            let fault = queue.removeFirst()
            faults[route] = queue
            switch fault {
            case .status(let code, let message):
                return Self.json(.init(code: code), ["message": message])
            case .secondaryRateLimit(let seconds):
                var response = Self.json(.forbidden, ["message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."])
                response.headers[.retryAfter] = String(seconds)
                return response
            case .rateLimitExhausted(let resetInSeconds):
                var response = Self.json(
                    .forbidden,
                    ["message": "API rate limit exceeded for user ID 4242.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"])
                response.headers[.init("x-ratelimit-limit")!] = "5000"
                response.headers[.init("x-ratelimit-remaining")!] = "0"
                response.headers[.init("x-ratelimit-reset")!] = String(Int(Date().timeIntervalSince1970) + resetInSeconds)
                return response
            case .delay(let duration):
                try await Task.sleep(for: duration)
            }
        }
        return await handle()
    }

    private func userResponse() -> Response {
        Self.json(.ok, ["login": login, "id": 4_242, "type": "Bot"])
    }

    private func listArtifacts(repository: String, run: String, page: Int, perPage: Int, name: String?) -> Response {
        guard let found = runs["\(repository)#\(run)"] else {
            return Self.json(.notFound, ["message": "Not Found", "documentation_url": "https://docs.github.com/rest/actions/artifacts"])
        }
        let all = found.artifacts.filter { name == nil || $0.name == name }
        let slice = all.dropFirst((page - 1) * perPage).prefix(perPage)
        let items: [[String: Any]] = slice.map { artifact in
            [
                "id": artifact.id, "name": artifact.name, "size_in_bytes": artifact.zip.count, "expired": artifact.expired,
                "archive_download_url": "\(apiBaseURL)/repos/\(repository)/actions/artifacts/\(artifact.id)/zip",
                "expires_at": artifact.expired ? "2024-01-01T00:00:00Z" : "2099-01-01T00:00:00Z",
            ]
        }
        return Self.json(.ok, ["total_count": all.count, "artifacts": items])
    }

    /// Artifact downloads answer 302 to `storage` (another origin) instead of serving the bytes.
    package func useExternalStorage(_ storage: ExternalArtifactStorage) {
        externalStorage = storage
    }

    private func downloadRedirect(repository: String, id: Int, format: String) async -> Response {
        guard format == "zip" else {
            return Self.json(.notFound, ["message": "Not Found"])
        }
        guard let entry = artifactsByID[id], entry.repository == repository else {
            return Self.json(.notFound, ["message": "Not Found"])
        }
        guard !entry.artifact.expired else {
            return Self.json(.gone, ["message": "Artifact has expired"])
        }
        if let externalStorage { return await externalStorage.redirect(key: "github-\(id).zip", data: entry.artifact.zip) }
        let expiry = Date().addingTimeInterval(60).timeIntervalSince1970
        let location = "\(blobBaseURL)/blobs/\(id)?se=\(expiry)&sig=\(signature(id: id, expiry: expiry))"
        return Response(status: .found, headers: [.location: location])
    }

    private func blob(id: Int, signature: String, expiry: Double, hasAuthorization: Bool) -> Response {
        if hasAuthorization {
            blobRequestsWithAuthorization += 1
            return Self.xml(
                .badRequest,
                "<Error><Code>InvalidAuthenticationInfo</Code><Message>Authentication information is not given in the correct format.</Message></Error>")
        }
        guard signature == self.signature(id: id, expiry: expiry), expiry > Date().timeIntervalSince1970,
            let entry = artifactsByID[id]
        else {
            return Self.xml(
                .forbidden,
                "<Error><Code>AuthenticationFailed</Code><Message>Signature not valid in the specified time frame</Message></Error>")
        }
        blobDownloads += 1
        return Response(
            status: .ok, headers: [.contentType: "application/zip"],
            body: .init(byteBuffer: ByteBuffer(bytes: entry.artifact.zip)))
    }

    private func signature(id: Int, expiry: Double) -> String {
        var hasher = Hasher()
        hasher.combine(blobSecret)
        hasher.combine(id)
        hasher.combine(expiry)
        return String(UInt(bitPattern: hasher.finalize()), radix: 16)
    }

    private func createStatus(repository: String, sha: String, body: Data) -> Response {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let state = object["state"] as? String
        else {
            return Self.json(.unprocessableContent, ["message": "Invalid request.\n\n\"state\" wasn't supplied."])
        }
        guard ["error", "failure", "pending", "success"].contains(state) else {
            return Self.json(.unprocessableContent, ["message": "Validation Failed", "errors": [["resource": "Status", "field": "state", "code": "custom"]]])
        }
        let description = object["description"] as? String
        if let description, description.count > 140 {
            return Self.json(
                .unprocessableContent,
                ["message": "Validation Failed", "errors": [["resource": "Status", "code": "custom", "field": "description", "message": "description is too long (maximum is 140 characters)"]]])
        }
        let status = FakeGitHubStatus(
            state: state, context: object["context"] as? String ?? "default", description: description,
            targetURL: object["target_url"] as? String)
        let posted = statusesBySHA["\(repository)@\(sha)", default: []]
        guard posted.filter({ $0.context == status.context }).count < 1000 else {
            return Self.json(
                .unprocessableContent,
                ["message": "Validation Failed", "errors": [["resource": "Status", "code": "custom", "message": "This SHA and context has reached the maximum number of statuses."]]])
        }
        statusesBySHA["\(repository)@\(sha)", default: []].append(status)
        nextID += 1
        return Self.json(.created, ["state": state, "context": status.context, "id": nextID])
    }

    private func listComments(key: String, page: Int, perPage: Int, path: String) -> Response {
        let all = commentsByIssue[key] ?? []
        let slice = all.dropFirst((page - 1) * perPage).prefix(perPage)
        var response = Self.json(.ok, slice.map(Self.commentJSON))
        if page * perPage < all.count {
            let last = (all.count + perPage - 1) / perPage
            response.headers[.init("Link")!] =
                "<\(apiBaseURL)\(path)?per_page=\(perPage)&page=\(page + 1)>; rel=\"next\", "
                + "<\(apiBaseURL)\(path)?per_page=\(perPage)&page=\(last)>; rel=\"last\""
        }
        return response
    }

    private func createComment(key: String, body: Data) -> Response {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let text = object["body"] as? String
        else {
            return Self.json(.unprocessableContent, ["message": "Invalid request.\n\n\"body\" wasn't supplied."])
        }
        guard text.count <= 65_536 else {
            return Self.json(.unprocessableContent, ["message": "Validation Failed", "errors": [["resource": "IssueComment", "code": "custom", "field": "body", "message": "Body is too long (maximum is 65536 characters)"]]])
        }
        nextID += 1
        let comment = FakeGitHubComment(id: nextID, author: login, body: text, edits: 0)
        commentsByIssue[key, default: []].append(comment)
        return Self.json(.created, Self.commentJSON(comment))
    }

    private func updateComment(repository: String, id: Int, body: Data) -> Response {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let text = object["body"] as? String
        else {
            return Self.json(.unprocessableContent, ["message": "Invalid request.\n\n\"body\" wasn't supplied."])
        }
        for (key, comments) in commentsByIssue where key.hasPrefix(repository + "#") {
            guard let index = comments.firstIndex(where: { $0.id == id }) else { continue }
            guard comments[index].author == login else {
                return Self.json(.forbidden, ["message": "Must have admin rights to Repository."])
            }
            guard text.count <= 65_536 else {
                return Self.json(.unprocessableContent, ["message": "Validation Failed"])
            }
            commentsByIssue[key]![index].body = text
            commentsByIssue[key]![index].edits += 1
            return Self.json(.ok, Self.commentJSON(commentsByIssue[key]![index]))
        }
        return Self.json(.notFound, ["message": "Not Found"])
    }

    private static func commentJSON(_ comment: FakeGitHubComment) -> [String: Any] {
        ["id": comment.id, "body": comment.body, "user": ["login": comment.author], "html_url": "https://github.test/comments/\(comment.id)"]
    }

    // MARK: Helpers

    static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        FakeServer.json(status, object, contentType: "application/json; charset=utf-8")
    }

    static func xml(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/xml"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Builds a real zip archive in memory (small test artifacts only).
    static func zip(_ files: [String: Data]) -> Data {
        guard let archive = try? Archive(data: Data(), accessMode: .create, pathEncoding: nil) else { return Data() }
        for path in files.keys.sorted() {
            let data = files[path] ?? Data()
            try? archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        return archive.data ?? Data()
    }
}
