package import Foundation
import Hummingbird
import NIOCore

/// A Buildkite build as the fake knows it: the same record makes its `build.finished` webhook and
/// its entry in the REST build list, which carry one `build` object (the list nests its `pipeline`).
package struct FakeBuildkiteBuild: Sendable {
    package var id: String
    package var number: Int
    package var organization: String
    package var pipeline: String
    package var repository = "git@github.com:acme/app.git"
    package var branch = "main"
    package var commit = "abcd0b72a1e580e90712cdd9eb26d3fb41cd09c8"
    package var state = "passed"
    package var pullRequestID: String?
    package var finishedAt: Date

    package init(id: String = UUID().uuidString.lowercased(), number: Int, organization: String, pipeline: String, finishedAt: Date) {
        self.id = id
        self.number = number
        self.organization = organization
        self.pipeline = pipeline
        self.finishedAt = finishedAt
    }

    var pipelineObject: [String: Any] {
        [
            "slug": pipeline, "repository": repository, "provider": ["id": "github"],
            "url": "https://api.buildkite.com/v2/organizations/\(organization)/pipelines/\(pipeline)",
        ]
    }

    var buildObject: [String: Any] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return [
            "id": id, "number": number, "state": state, "blocked": false, "commit": commit, "branch": branch, "tag": NSNull(),
            "source": "webhook", "message": "Ship it",
            "url": "https://api.buildkite.com/v2/organizations/\(organization)/pipelines/\(pipeline)/builds/\(number)",
            "web_url": "https://buildkite.com/\(organization)/\(pipeline)/builds/\(number)",
            "pull_request": pullRequestID.map { ["id": $0, "base": "main", "repository": repository] as Any } ?? NSNull(),
            "finished_at": formatter.string(from: finishedAt),
        ]
    }

    /// The `build.finished` webhook, with `X-Buildkite-Token: token`.
    package func hook(token: String) -> (headers: [String: String], body: Data) {
        let object: [String: Any] = [
            "event": "build.finished", "build": buildObject, "pipeline": pipelineObject, "sender": ["id": "8a7693f8", "name": "Some Person"],
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return (["X-Buildkite-Event": "build.finished", "Content-Type": "application/json", "X-Buildkite-Token": token], body)
    }
}

/// `GET /v2/organizations` and `GET /v2/organizations/{org}/builds` (`state`, `finished_from`,
/// `per_page` ≤ 100, `page`, newest first, `Link` to the next page), from Buildkite's REST docs.
extension FakeBuildkite {
    package func record(_ build: FakeBuildkiteBuild) {
        listedBuilds.removeAll { $0.id == build.id }
        listedBuilds.append(build)
    }

    nonisolated func addBuildListingRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v2/organizations") { request, _ in
            await self.organizations(request)
        }
        router.get("/v2/organizations/:org/builds") { request, context in
            await self.listBuilds(organization: context.parameters.get("org") ?? "", request: request)
        }
    }

    private func organizations(_ request: Request) -> Response {
        requestLog.append("GET organizations")
        if let refusal = refuse(request.headers[.authorization]) { return refusal }
        let slugs = Set(listedBuilds.map(\.organization)).sorted()
        return FakeGitHub.json(.ok, slugs.map { ["slug": $0, "name": $0] })
    }

    private func listBuilds(organization: String, request: Request) -> Response {
        requestLog.append("GET builds \(organization)")
        if let refusal = refuse(request.headers[.authorization]) { return refusal }
        let query = request.uri.queryParameters
        let formatter = ISO8601DateFormatter()
        let from = query.get("finished_from").flatMap { formatter.date(from: $0) }
        let perPage = min(query.get("per_page", as: Int.self) ?? 30, 100)
        let page = query.get("page", as: Int.self) ?? 1
        let matching = listedBuilds
            .filter { $0.organization == organization && (query.get("state") == nil || $0.state == query.get("state")) }
            .filter { from == nil || $0.finishedAt >= from! }
            .sorted { $0.finishedAt > $1.finishedAt }
        let items = matching.dropFirst((page - 1) * perPage).prefix(perPage).map { build -> [String: Any] in
            var object = build.buildObject
            object["pipeline"] = build.pipelineObject
            return object
        }
        var response = FakeGitHub.json(.ok, Array(items))
        if page * perPage < matching.count {
            let host = request.head.authority ?? "127.0.0.1"
            var next = "http://\(host)\(request.uri.path)?page=\(page + 1)&per_page=\(perPage)"
            for name in ["state", "finished_from"] {
                if let value = query.get(name) { next += "&\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)" }
            }
            response.headers[.init("Link")!] = "<\(next)>; rel=\"next\""
        }
        return response
    }
}
