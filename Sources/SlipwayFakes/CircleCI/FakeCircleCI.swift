package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for CircleCI API v2's artifact routes:
///
/// - `GET /api/v2/workflow/{id}/job` → `{"items": [{name, job_number, status, type}], "next_page_token": null}`
///   (approval jobs have no `job_number`);
/// - `GET /api/v2/project/{vcs}/{org}/{repo}/{job_number}/artifacts` → `{"items": [{path, node_index, url}]}`;
/// - the artifact `url`s live on this host under `/artifacts/…` and, like a private project's, need the token.
///
/// Every call checks `Circle-Token: <token>` (401 `{"message":"You must log in first."}` otherwise).
package actor FakeCircleCI {
    package let token: String
    private var workflows: [String: [(name: String, number: Int, files: [String: Data])]] = [:]
    private var projects: [Int: String] = [:]
    private var baseURL = ""
    private var externalStorage: ExternalArtifactStorage?
    private var artifactBase: String?

    package internal(set) var requestLog: [String] = []
    package internal(set) var unauthorizedCalls = 0
    var pipelines: [FakeCircleCIPipeline] = []

    package init(token: String) {
        self.token = token
    }

    /// Adds workflow `id` of `projectSlug` (`gh/org/repo`) with jobs (name → artifact path → bytes),
    /// numbered from `firstJobNumber`, plus an approval job without a number.
    package func addWorkflow(id: String, projectSlug: String, jobs: [String: [String: Data]], firstJobNumber: Int = 100) {
        var list: [(name: String, number: Int, files: [String: Data])] = []
        for (offset, name) in jobs.keys.sorted().enumerated() {
            list.append((name, firstJobNumber + offset, jobs[name]!))
            projects[firstJobNumber + offset] = projectSlug
        }
        workflows[id] = list
    }

    /// Serves the API while `body` runs; `body` gets `http://127.0.0.1:PORT/api/v2` (`sources.circleci.api_url`).
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        try await FakeServer.run(router(), name: "circleci", logLevel: logLevel) { base in
            await self.setBaseURL(base)
            return try await body(base + "/api/v2")
        }
    }

    private func setBaseURL(_ url: String) {
        baseURL = url
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        addPipelineListingRoutes(to: router)
        router.get("/api/v2/workflow/:id/job") { request, context in
            await self.jobs(workflow: context.parameters.get("id") ?? "", token: request.headers[.init("Circle-Token")!])
        }
        router.get("/api/v2/project/:vcs/:org/:repo/:job/artifacts") { request, context in
            let slug = ["vcs", "org", "repo"].map { context.parameters.get($0) ?? "" }.joined(separator: "/")
            return await self.artifacts(
                slug: slug, job: context.parameters.get("job", as: Int.self) ?? -1, token: request.headers[.init("Circle-Token")!])
        }
        router.get("/artifacts/:job/:index") { request, context in
            await self.file(
                job: context.parameters.get("job", as: Int.self) ?? -1, index: context.parameters.get("index", as: Int.self) ?? -1,
                token: request.headers[.init("Circle-Token")!])
        }
        return router
    }

    private func refuse(_ given: String?, _ what: String) -> Response? {
        requestLog.append(what)
        guard given == token else {
            unauthorizedCalls += 1
            return FakeGitHub.json(.unauthorized, ["message": "You must log in first."])
        }
        return nil
    }

    private func jobs(workflow: String, token: String?) -> Response {
        if let refusal = refuse(token, "GET jobs \(workflow)") { return refusal }
        guard let jobs = workflows[workflow] else { return FakeGitHub.json(.notFound, ["message": "Workflow not found"]) }
        var items: [[String: Any]] = jobs.map {
            ["name": $0.name, "job_number": $0.number, "status": "success", "type": "build", "id": UUID().uuidString]
        }
        items.append(["name": "hold", "status": "success", "type": "approval", "id": UUID().uuidString])
        return FakeGitHub.json(.ok, ["items": items, "next_page_token": NSNull()])
    }

    private func artifacts(slug: String, job: Int, token: String?) -> Response {
        if let refusal = refuse(token, "GET artifacts \(slug)/\(job)") { return refusal }
        guard projects[job] == slug, let entry = workflows.values.joined().first(where: { $0.number == job }) else {
            return FakeGitHub.json(.notFound, ["message": "Job not found"])
        }
        let items: [[String: Any]] = entry.files.keys.sorted().enumerated().map {
            ["path": $0.element, "node_index": 0, "url": "\(artifactBase ?? baseURL)/artifacts/\(job)/\($0.offset)"]
        }
        return FakeGitHub.json(.ok, ["items": items, "next_page_token": NSNull()])
    }

    /// Artifact listings name URLs on `base` (another host) instead of this fake's own.
    package func listArtifacts(on base: String) {
        artifactBase = base
    }

    /// Artifact downloads answer 302 to `storage` (another origin) instead of serving the bytes.
    package func useExternalStorage(_ storage: ExternalArtifactStorage) {
        externalStorage = storage
    }

    private func file(job: Int, index: Int, token: String?) async -> Response {
        if let refusal = refuse(token, "GET artifact \(job)/\(index)") { return refusal }
        guard let entry = workflows.values.joined().first(where: { $0.number == job }), index >= 0, index < entry.files.count
        else { return FakeGitHub.json(.notFound, ["message": "Not found"]) }
        let data = entry.files[entry.files.keys.sorted()[index]]!
        if let externalStorage { return await externalStorage.redirect(key: "circleci-\(job)-\(index)", data: data) }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
