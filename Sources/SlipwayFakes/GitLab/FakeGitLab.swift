package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for GitLab's job artifacts API, built from `doc/api/job_artifacts.md`:
/// `GET /api/v4/projects/:id/jobs/:job_id/artifacts` answers the job's artifacts zip, 404
/// `{"message":"404 Not found"}` for a job without artifacts, 401 without `PRIVATE-TOKEN: <token>`
/// or `Authorization: Bearer <token>`.
package actor FakeGitLab {
    package let token: String
    private var zips: [String: Data] = [:]
    private var faults: [Int] = []
    private var externalStorage: ExternalArtifactStorage?
    var pipelines: [FakeGitLabPipeline] = []
    var listingRateLimits: [Int] = []
    /// Pipeline listings answered.
    package internal(set) var pipelineListings = 0
    /// Repository files by project path, then commit, then file path (`commit(_:in:files:)`).
    var commits: [String: [String: [String: Data]]] = [:]
    /// Raw blob reads served (`GET …/repository/blobs/:sha/raw`).
    package internal(set) var rawBlobsServed = 0

    /// Every API call, as `METHOD path`, in order.
    package internal(set) var requestLog: [String] = []
    /// Calls refused for a missing or wrong token.
    package internal(set) var unauthorizedCalls = 0

    package init(token: String) {
        self.token = token
    }

    /// Gives job `jobID` of `project` (numeric id) an artifacts zip built from `files` (path → bytes).
    package func addJobArtifacts(project: Int64, jobID: Int64, files: [String: Data]) {
        zips["\(project)/\(jobID)"] = FakeGitHub.zip(files)
    }

    /// The next API calls answer these HTTP statuses, one per call.
    package func enqueueFailures(_ statuses: Int...) {
        faults += statuses
    }

    /// Serves the API while `body` runs; `body` gets the API base URL (`http://127.0.0.1:PORT/api/v4`,
    /// what `sources.gitlab.api_url` is set to).
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        try await FakeServer.run(router(), name: "gitlab", logLevel: logLevel) { base in try await body(base + "/api/v4") }
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        addPipelineRoutes(to: router)
        addRepositoryFileRoutes(to: router)
        router.get("/api/v4/projects/:project/jobs/:job/artifacts") { request, context in
            let project = context.parameters.get("project") ?? ""
            let job = context.parameters.get("job") ?? ""
            let privateToken = request.headers[.init("PRIVATE-TOKEN")!]
            return await self.artifacts(
                project: project, job: job, authorization: request.headers[.authorization], privateToken: privateToken)
        }
        return router
    }

    /// Artifact downloads answer 302 to `storage` (another origin) instead of serving the bytes.
    package func useExternalStorage(_ storage: ExternalArtifactStorage) {
        externalStorage = storage
    }

    private func artifacts(project: String, job: String, authorization: String?, privateToken: String?) async -> Response {
        requestLog.append("GET artifacts \(project)/\(job)")
        guard authorization == "Bearer \(token)" || privateToken == token else {
            unauthorizedCalls += 1
            return FakeGitHub.json(.unauthorized, ["message": "401 Unauthorized"])
        }
        if !faults.isEmpty {
            let status = faults.removeFirst()
            return FakeGitHub.json(.init(code: status), ["message": "\(status) fault"])
        }
        guard let zip = zips["\(project)/\(job)"] else {
            return FakeGitHub.json(.notFound, ["message": "404 Not found"])
        }
        if let externalStorage { return await externalStorage.redirect(key: "gitlab-\(project)-\(job).zip", data: zip) }
        return Response(
            status: .ok, headers: [.contentType: "application/zip"], body: .init(byteBuffer: ByteBuffer(bytes: zip)))
    }
}
