import Foundation
import Hummingbird
import NIOCore

/// Pipeline listings, from GitLab's `doc/api/pipelines.md`, `jobs.md`, `merge_requests.md`,
/// `commits.md`, `projects.md` and `groups.md`, under `/api/v4`:
///
/// - `GET /projects/:id` (numeric id or URL-encoded path), `GET /groups/:id/projects`;
/// - `GET /projects/:id/pipelines` with `status`, `updated_after`, `per_page`, `page`, newest
///   update first, `X-Next-Page`/`X-Total` headers (an empty `X-Next-Page` on the last page);
/// - `GET /projects/:id/pipelines/:pipeline_id` (with `tag`), `…/jobs?scope[]=success`,
///   `GET /projects/:id/merge_requests/:iid`, `GET /projects/:id/repository/commits/:sha`;
/// - `enqueueRateLimit` answers the next listing call 429 with `Retry-After` and `RateLimit-*`.
extension FakeGitLab {
    package func record(_ pipeline: FakeGitLabPipeline) {
        pipelines.removeAll { $0.id == pipeline.id }
        pipelines.append(pipeline)
    }

    /// The next listing call answers 429 Too Many Requests, retry after `seconds`.
    package func enqueueRateLimit(retryAfter seconds: Int) {
        listingRateLimits.append(seconds)
    }

    nonisolated func addPipelineRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v4/projects/:project") { request, context in
            let project = Self.decoded(context.parameters.get("project"))
            return await self.listing(request, "GET project \(project)") { await self.projectAnswer(project) }
        }
        router.get("/api/v4/groups/:group/projects") { request, context in
            let group = Self.decoded(context.parameters.get("group"))
            return await self.listing(request, "GET group projects \(group)") { await self.groupProjects(group, request: request) }
        }
        router.get("/api/v4/projects/:project/pipelines") { request, context in
            let project = Self.decoded(context.parameters.get("project"))
            return await self.listing(request, "GET pipelines \(project)") { await self.listPipelines(project, request: request) }
        }
        router.get("/api/v4/projects/:project/pipelines/:pipeline") { request, context in
            let id = context.parameters.get("pipeline", as: Int64.self) ?? -1
            return await self.listing(request, "GET pipeline \(id)") {
                await self.pipeline(id).map { FakeGitHub.json(.ok, $0.singleObject) } ?? Self.notFound
            }
        }
        router.get("/api/v4/projects/:project/pipelines/:pipeline/jobs") { request, context in
            let id = context.parameters.get("pipeline", as: Int64.self) ?? -1
            return await self.listing(request, "GET pipeline jobs \(id)") {
                guard let found = await self.pipeline(id) else { return Self.notFound }
                return FakeGitHub.json(
                    .ok, found.jobs.keys.sorted().map { ["id": found.jobs[$0]!, "name": $0, "status": "success", "stage": "build"] })
            }
        }
        router.get("/api/v4/projects/:project/merge_requests/:iid") { request, context in
            let project = Self.decoded(context.parameters.get("project"))
            let iid = context.parameters.get("iid", as: Int.self) ?? -1
            return await self.listing(request, "GET merge request \(iid)") {
                await self.mergeRequestAnswer(project: project, iid: iid)
            }
        }
        router.get("/api/v4/projects/:project/repository/commits/:sha") { request, context in
            let sha = context.parameters.get("sha") ?? ""
            return await self.listing(request, "GET commit \(sha)") {
                FakeGitHub.json(
                    .ok,
                    ["id": sha, "title": "Ship it", "message": FakeGitLabPipeline.commitMessage,
                     "committed_date": FakeGitLabPipeline.commitTimestamp])
            }
        }
    }

    static let notFound = FakeGitHub.json(.notFound, ["message": "404 Not found"])

    static func decoded(_ text: String?) -> String { text?.removingPercentEncoding ?? text ?? "" }

    func listing(_ request: Request, _ description: String, answer: () async -> Response) async -> Response {
        requestLog.append(description)
        let privateToken = request.headers[.init("PRIVATE-TOKEN")!]
        guard request.headers[.authorization] == "Bearer \(token)" || privateToken == token else {
            unauthorizedCalls += 1
            return FakeGitHub.json(.unauthorized, ["message": "401 Unauthorized"])
        }
        if !listingRateLimits.isEmpty {
            let seconds = listingRateLimits.removeFirst()
            var response = FakeGitHub.json(.tooManyRequests, ["message": "Retry later"])
            response.headers[.retryAfter] = String(seconds)
            response.headers[.init("RateLimit-Limit")!] = "2000"
            response.headers[.init("RateLimit-Remaining")!] = "0"
            response.headers[.init("RateLimit-Reset")!] = String(Int(Date().timeIntervalSince1970) + seconds)
            return response
        }
        return await answer()
    }

    private func project(_ key: String) -> FakeGitLabPipeline? {
        pipelines.first { String($0.projectID) == key || $0.path == key }
    }

    private func pipeline(_ id: Int64) -> FakeGitLabPipeline? {
        pipelines.first { $0.id == id }
    }

    private func projectAnswer(_ key: String) -> Response {
        guard let found = project(key) else { return Self.notFound }
        return FakeGitHub.json(
            .ok, ["id": found.projectID, "path_with_namespace": found.path, "web_url": "http://gitlab.example/\(found.path)"])
    }

    private func groupProjects(_ group: String, request: Request) -> Response {
        var seen: [Int64: String] = [:]
        for pipeline in pipelines where pipeline.path.hasPrefix(group + "/") { seen[pipeline.projectID] = pipeline.path }
        guard !seen.isEmpty else { return Self.notFound }
        let items = seen.keys.sorted().map {
            ["id": $0, "path_with_namespace": seen[$0]!, "web_url": "http://gitlab.example/\(seen[$0]!)"] as [String: Any]
        }
        var response = FakeGitHub.json(.ok, items)
        response.headers[.init("X-Next-Page")!] = ""
        return response
    }

    private func listPipelines(_ key: String, request: Request) -> Response {
        guard let found = project(key) else { return Self.notFound }
        let query = request.uri.queryParameters
        let formatter = ISO8601DateFormatter()
        let after = query.get("updated_after").flatMap { formatter.date(from: $0) }
        let perPage = min(query.get("per_page", as: Int.self) ?? 20, 100)
        let page = query.get("page", as: Int.self) ?? 1
        let matching = pipelines
            .filter { $0.projectID == found.projectID && (query.get("status") == nil || $0.status == query.get("status")) }
            .filter { after == nil || $0.updatedAt > after! }
            .sorted { $0.updatedAt > $1.updatedAt }
        let slice = matching.dropFirst((page - 1) * perPage).prefix(perPage).map(\.listObject)
        var response = FakeGitHub.json(.ok, Array(slice))
        response.headers[.init("X-Total")!] = String(matching.count)
        response.headers[.init("X-Next-Page")!] = page * perPage < matching.count ? String(page + 1) : ""
        pipelineListings += 1
        return response
    }

    private func mergeRequestAnswer(project key: String, iid: Int) -> Response {
        let found = pipelines.first { (String($0.projectID) == key || $0.path == key) && $0.mergeRequestIID == iid }
        return found?.mergeRequestObject.map { FakeGitHub.json(.ok, $0) } ?? Self.notFound
    }
}
