package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for Buildkite's REST API artifact routes (`pages/apis/rest_api/artifacts.md`):
///
/// - `GET /v2/organizations/{org}/pipelines/{p}/builds/{n}/artifacts` → list of
///   `{id, job_id, path, filename, state, sha1sum, download_url, …}`, paged by `page`/`per_page`;
/// - `GET …/jobs/{job}/artifacts/{id}/download` → **302** with the storage URL in `Location` and in a
///   JSON body `{"url": …}`; the storage host is another port (another origin), refuses requests carrying
///   `Authorization`, and its links live 60 seconds.
///
/// API calls check `Authorization: Bearer <token>` (401 `{"message":"Authentication required…"}` otherwise).
package actor FakeBuildkite {
    package let token: String
    private var artifacts: [String: [(id: String, job: String, path: String, data: Data)]] = [:]
    private var storageURL = ""
    private var externalStorage: ExternalArtifactStorage?

    package internal(set) var requestLog: [String] = []
    var listedBuilds: [FakeBuildkiteBuild] = []
    /// Requests that reached storage carrying `Authorization` (must stay zero).
    package private(set) var storageRequestsWithAuthorization = 0
    package private(set) var storageDownloads = 0

    package init(token: String) {
        self.token = token
    }

    /// Adds build `number` of `organization/pipeline` with `files` (artifact path → bytes), all uploaded by one job.
    package func addBuild(organization: String, pipeline: String, number: Int, files: [String: Data]) {
        artifacts["\(organization)/\(pipeline)/\(number)"] = files.keys.sorted().map {
            (id: UUID().uuidString.lowercased(), job: "job-\(number)", path: $0, data: files[$0]!)
        }
    }

    /// Serves the API and the storage host on two free ports while `body` runs; `body` gets
    /// `http://127.0.0.1:PORT/v2` (`sources.buildkite.api_url`).
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        try await FakeServer.run(storageRouter(), name: "buildkite-storage", logLevel: logLevel) { storage in
            await self.setStorageURL(storage)
            return try await FakeServer.run(apiRouter(), name: "buildkite", logLevel: logLevel) { base in try await body(base + "/v2") }
        }
    }

    private func setStorageURL(_ url: String) {
        storageURL = url
    }

    nonisolated func apiRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        addBuildListingRoutes(to: router)
        router.get("/v2/organizations/:org/pipelines/:pipeline/builds/:number/artifacts") { request, context in
            let key = Self.key(context)
            let page = request.uri.queryParameters.get("page", as: Int.self) ?? 1
            let perPage = request.uri.queryParameters.get("per_page", as: Int.self) ?? 30
            return await self.list(key: key, page: page, perPage: perPage, authorization: request.headers[.authorization])
        }
        router.get("/v2/organizations/:org/pipelines/:pipeline/builds/:number/jobs/:job/artifacts/:id/download") { request, context in
            await self.redirect(key: Self.key(context), id: context.parameters.get("id") ?? "", authorization: request.headers[.authorization])
        }
        return router
    }

    nonisolated func storageRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/objects/:id") { request, context in
            let expires = request.uri.queryParameters.get("Expires", as: Double.self) ?? 0
            return await self.object(
                id: context.parameters.get("id") ?? "", expires: expires, hasAuthorization: request.headers[.authorization] != nil)
        }
        return router
    }

    private static func key(_ context: BasicRequestContext) -> String {
        ["org", "pipeline", "number"].map { context.parameters.get($0) ?? "" }.joined(separator: "/")
    }

    func refuse(_ authorization: String?) -> Response? {
        guard authorization == "Bearer \(token)" else {
            return FakeGitHub.json(.unauthorized, ["message": "Authentication required. Please supply a valid API Access Token"])
        }
        return nil
    }

    private func list(key: String, page: Int, perPage: Int, authorization: String?) -> Response {
        requestLog.append("GET artifacts \(key)")
        if let refusal = refuse(authorization) { return refusal }
        guard let items = artifacts[key] else { return FakeGitHub.json(.notFound, ["message": "No build found"]) }
        let slice = items.dropFirst((page - 1) * perPage).prefix(perPage)
        return FakeGitHub.json(.ok, slice.map { item in
            [
                "id": item.id, "job_id": item.job, "path": item.path, "filename": item.path.split(separator: "/").last.map(String.init) ?? "",
                "mime_type": "application/vnd.android.package-archive", "file_size": item.data.count, "state": "finished",
                "sha1sum": "", "download_url": "/v2/organizations/\(key)/jobs/\(item.job)/artifacts/\(item.id)/download",
            ] as [String: Any]
        })
    }

    /// Artifact downloads answer 302 to `storage` (another origin) instead of serving the bytes.
    package func useExternalStorage(_ storage: ExternalArtifactStorage) {
        externalStorage = storage
    }

    private func redirect(key: String, id: String, authorization: String?) async -> Response {
        requestLog.append("GET download \(key) \(id)")
        if let refusal = refuse(authorization) { return refusal }
        guard artifacts[key]?.contains(where: { $0.id == id }) == true else {
            return FakeGitHub.json(.notFound, ["message": "No artifact found"])
        }
        if let externalStorage, let item = artifacts[key]?.first(where: { $0.id == id }) {
            return await externalStorage.redirect(key: "buildkite-\(id)", data: item.data)
        }
        let url = "\(storageURL)/objects/\(id)?Expires=\(Date().timeIntervalSince1970 + 60)&Signature=s3sig"
        var response = FakeGitHub.json(.found, ["url": url])
        response.headers[.location] = url
        return response
    }

    private func object(id: String, expires: Double, hasAuthorization: Bool) -> Response {
        if hasAuthorization {
            storageRequestsWithAuthorization += 1
            return FakeGitHub.xml(.badRequest, "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>")
        }
        guard expires > Date().timeIntervalSince1970,
            let item = artifacts.values.joined().first(where: { $0.id == id })
        else {
            return FakeGitHub.xml(.forbidden, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
        }
        storageDownloads += 1
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: item.data)))
    }
}
