package import Foundation
import Hummingbird
import NIOCore

/// A CircleCI pipeline and its workflows as the fake knows them: the same record makes each
/// workflow's `workflow-completed` webhook and the API v2 pipeline and workflow listings.
package struct FakeCircleCIPipeline: Sendable {
    package struct Workflow: Sendable {
        package var id: String
        package var name: String
        package var status: String
        package var stoppedAt: Date?

        package init(id: String, name: String = "build", status: String = "success", stoppedAt: Date?) {
            self.id = id
            self.name = name
            self.status = status
            self.stoppedAt = stoppedAt
        }
    }

    package var id: String
    package var number: Int
    package var projectSlug: String
    package var repositoryURL: String
    package var branch = "main"
    package var sha = "1dc6aa69429bff4806ad6afe58d3d8f57e25973e"
    package var createdAt: Date
    package var workflows: [Workflow]

    package init(
        id: String = UUID().uuidString.lowercased(), number: Int, projectSlug: String, repositoryURL: String, createdAt: Date,
        workflows: [Workflow]
    ) {
        self.id = id
        self.number = number
        self.projectSlug = projectSlug
        self.repositoryURL = repositoryURL
        self.createdAt = createdAt
        self.workflows = workflows
    }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    var vcs: [String: Any] {
        [
            "provider_name": "github", "target_repository_url": repositoryURL, "origin_repository_url": repositoryURL,
            "revision": sha, "branch": branch, "commit": ["subject": "Ship it", "body": ""],
        ]
    }

    var object: [String: Any] {
        [
            "id": id, "number": number, "project_slug": projectSlug, "state": "created", "created_at": Self.time(createdAt),
            "vcs": vcs, "trigger": ["type": "webhook"],
        ]
    }

    func url(of workflow: Workflow) -> String {
        let parts = projectSlug.split(separator: "/").map(String.init)
        let vcs = parts.first == "gh" ? "github" : parts.first ?? ""
        return "https://app.circleci.com/pipelines/\(([vcs] + parts.dropFirst()).joined(separator: "/"))/\(number)/workflows/\(workflow.id)"
    }

    /// The `workflow-completed` webhook of `workflows[index]`, signed with `secret`.
    package func hook(workflow index: Int, secret: String) -> (headers: [String: String], body: Data) {
        let workflow = workflows[index]
        let object: [String: Any] = [
            "id": UUID().uuidString.lowercased(), "type": "workflow-completed", "happened_at": Self.time(workflow.stoppedAt ?? createdAt),
            "project": ["id": "84996744", "name": projectSlug.split(separator: "/").last.map(String.init) ?? "", "slug": projectSlug],
            "workflow": [
                "id": workflow.id, "name": workflow.name, "status": workflow.status, "created_at": Self.time(createdAt),
                "stopped_at": workflow.stoppedAt.map(Self.time) ?? NSNull(), "url": url(of: workflow),
            ] as [String: Any],
            "pipeline": ["id": id, "number": number, "vcs": vcs] as [String: Any],
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return (
            [
                "circleci-event-type": "workflow-completed", "content-type": "application/json",
                "circleci-signature": "v1=\(FakeCircleCIHook.signature(body: body, secret: secret))",
            ], body
        )
    }
}

/// `GET /api/v2/project/{slug}/pipeline` (newest first, 20 per page, `next_page_token`) and
/// `GET /api/v2/pipeline/{id}/workflow`, from CircleCI's API v2 reference.
extension FakeCircleCI {
    package func record(_ pipeline: FakeCircleCIPipeline) {
        pipelines.removeAll { $0.id == pipeline.id }
        pipelines.append(pipeline)
    }

    nonisolated func addPipelineListingRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v2/project/:vcs/:org/:repo/pipeline") { request, context in
            let slug = ["vcs", "org", "repo"].map { context.parameters.get($0) ?? "" }.joined(separator: "/")
            return await self.listPipelines(slug: slug, request: request)
        }
        router.get("/api/v2/pipeline/:id/workflow") { request, context in
            await self.listWorkflows(pipeline: context.parameters.get("id") ?? "", request: request)
        }
    }

    private func check(_ request: Request, _ what: String) -> Response? {
        requestLog.append(what)
        guard request.headers[.init("Circle-Token")!] == token else {
            unauthorizedCalls += 1
            return FakeGitHub.json(.unauthorized, ["message": "You must log in first."])
        }
        return nil
    }

    private func listPipelines(slug: String, request: Request) -> Response {
        if let refusal = check(request, "GET pipelines \(slug)") { return refusal }
        let all = pipelines.filter { $0.projectSlug == slug }.sorted { $0.createdAt > $1.createdAt }
        let start = request.uri.queryParameters.get("page-token").flatMap(Int.init) ?? 0
        let page = all.dropFirst(start).prefix(20)
        let next = start + 20 < all.count ? String(start + 20) : nil
        return FakeGitHub.json(.ok, ["items": page.map(\.object), "next_page_token": next.map { $0 as Any } ?? NSNull()])
    }

    private func listWorkflows(pipeline id: String, request: Request) -> Response {
        if let refusal = check(request, "GET workflows \(id)") { return refusal }
        guard let pipeline = pipelines.first(where: { $0.id == id }) else {
            return FakeGitHub.json(.notFound, ["message": "Pipeline not found"])
        }
        let items: [[String: Any]] = pipeline.workflows.map { workflow in
            [
                "id": workflow.id, "name": workflow.name, "status": workflow.status, "pipeline_id": id,
                "pipeline_number": pipeline.number, "project_slug": pipeline.projectSlug,
                "created_at": FakeCircleCIPipeline.time(pipeline.createdAt),
                "stopped_at": workflow.stoppedAt.map(FakeCircleCIPipeline.time) ?? NSNull(),
            ]
        }
        return FakeGitHub.json(.ok, ["items": items, "next_page_token": NSNull()])
    }
}
