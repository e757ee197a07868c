import Crypto
import Foundation
import Hummingbird
import NIOCore

/// Workflow-run listings and repository listings, from GitHub's REST docs:
///
/// - `GET /repos/{o}/{r}/actions/runs` with `status`, `created` (`>=ISO`), `per_page` (≤ 100) and
///   `page`, newest first, a `Link` header to the next page, a strong `ETag` over the body, and
///   `304 Not Modified` (no body, counted apart) when `If-None-Match` matches;
/// - `GET /orgs/{o}/repos`, `GET /users/{u}/repos` and `GET /installation/repositories`;
/// - `x-ratelimit-*` headers on every answer; faults queue per route (`.listRuns`).
extension FakeGitHub {
    /// Records a run (finished or not); it shows in run listings and its repository in repository listings.
    package func record(_ run: FakeWorkflowRun) {
        workflowRuns.removeAll { $0.id == run.id && $0.repository == run.repository }
        workflowRuns.append(run)
        knownRepositories.insert(run.repository)
    }

    /// A repository that shows in repository listings without any run.
    package func addRepository(_ name: String) {
        knownRepositories.insert(name)
    }

    nonisolated func addRunListingRoutes(to router: Router<BasicRequestContext>) {
        router.get("/repos/:owner/:repo/actions/runs") { request, context in
            let repository = Self.repository(context)
            let query = request.uri.queryParameters
            let listing = RunQuery(
                status: query.get("status"), created: query.get("created"), page: query.get("page", as: Int.self) ?? 1,
                perPage: min(query.get("per_page", as: Int.self) ?? 30, 100), ifNoneMatch: request.headers[.ifNoneMatch])
            return try await self.authorized(request, route: .listRuns, "GET runs \(repository)") {
                await self.listRuns(repository: repository, query: listing, path: request.uri.path)
            }
        }
        router.get("/orgs/:owner/repos") { request, context in
            let owner = context.parameters.get("owner") ?? ""
            return try await self.authorized(request, route: .listRepositories, "GET org repos \(owner)") {
                await self.listRepositories(owner: owner, request: request, installation: false)
            }
        }
        router.get("/users/:owner/repos") { request, context in
            let owner = context.parameters.get("owner") ?? ""
            return try await self.authorized(request, route: .listRepositories, "GET user repos \(owner)") {
                await self.listRepositories(owner: owner, request: request, installation: false)
            }
        }
        router.get("/installation/repositories") { request, _ in
            try await self.authorized(request, route: .listRepositories, "GET installation repos") {
                await self.listRepositories(owner: nil, request: request, installation: true)
            }
        }
    }

    struct RunQuery: Sendable {
        var status: String?
        var created: String?
        var page: Int
        var perPage: Int
        var ifNoneMatch: String?
    }

    private func listRuns(repository: String, query: RunQuery, path: String) -> Response {
        guard knownRepositories.contains(repository) || runsExist(in: repository) else {
            return Self.json(.notFound, ["message": "Not Found", "documentation_url": "https://docs.github.com/rest/actions/workflow-runs"])
        }
        var since: Date?
        if let created = query.created {
            guard created.hasPrefix(">="), let date = ISO8601DateFormatter().date(from: String(created.dropFirst(2))) else {
                return Self.json(.unprocessableContent, ["message": "Invalid created filter: \(created)"])
            }
            since = date
        }
        let matching = workflowRuns
            .filter { $0.repository == repository && (query.status == nil || $0.status == query.status) }
            .filter { since == nil || $0.createdAt >= since! }
            .sorted { $0.createdAt > $1.createdAt }
        let slice = Array(matching.dropFirst((query.page - 1) * query.perPage).prefix(query.perPage))
        let object: [String: Any] = ["total_count": matching.count, "workflow_runs": slice.map(\.object)]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        let etag = "\"" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined().prefix(32) + "\""
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .eTag: etag]
        Self.addRateLimitHeaders(&headers)
        if query.ifNoneMatch == etag {
            runListingsNotModified += 1
            return Response(status: .notModified, headers: headers)
        }
        runListingsServed += 1
        if query.page * query.perPage < matching.count {
            var next = "\(apiBaseURL)\(path)?page=\(query.page + 1)&per_page=\(query.perPage)"
            if let status = query.status { next += "&status=\(status)" }
            if let created = query.created { next += "&created=\(created.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? created)" }
            headers[.init("Link")!] = "<\(next)>; rel=\"next\""
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func runsExist(in repository: String) -> Bool {
        workflowRuns.contains { $0.repository == repository }
    }

    private func listRepositories(owner: String?, request: Request, installation: Bool) -> Response {
        let page = request.uri.queryParameters.get("page", as: Int.self) ?? 1
        let perPage = min(request.uri.queryParameters.get("per_page", as: Int.self) ?? 30, 100)
        // An installation lists only the repositories it covers.
        let all = knownRepositories.sorted().filter { owner == nil || $0.hasPrefix(owner! + "/") }
            .filter { !installation || !uninstalledRepositories.contains($0) }
        if owner != nil && all.isEmpty {
            return Self.json(.notFound, ["message": "Not Found"])
        }
        let slice = all.dropFirst((page - 1) * perPage).prefix(perPage).map { ["full_name": $0, "private": true] as [String: Any] }
        var response = installation
            ? Self.json(.ok, ["total_count": all.count, "repositories": Array(slice)]) : Self.json(.ok, Array(slice))
        Self.addRateLimitHeaders(&response.headers)
        return response
    }

    static func addRateLimitHeaders(_ headers: inout HTTPFields) {
        headers[.init("x-ratelimit-limit")!] = "5000"
        headers[.init("x-ratelimit-remaining")!] = "4999"
        headers[.init("x-ratelimit-reset")!] = String(Int(Date().timeIntervalSince1970) + 3600)
    }
}
