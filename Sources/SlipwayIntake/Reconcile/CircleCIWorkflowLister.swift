package import Foundation
package import SlipwayCore
package import SlipwayHTTP

/// Lists the workflows of `sources.circleci.projects`' recent pipelines through API v2
/// (`GET /project/{slug}/pipeline`, newest first, paged with `next_page_token`, read until a
/// pipeline older than the window; then `GET /pipeline/{id}/workflow`). A pipeline's `vcs` is the
/// webhook's, so each successful workflow becomes the event the `workflow-completed` hook makes.
package struct CircleCIWorkflowLister: BuildLister {
    package var provider: BuildEvent.Provider { .circleci }
    let access: ArtifactFetcher.CircleCIAccess
    let projects: [String]
    let http: ListingHTTP
    let maxPages: Int

    package init(
        access: ArtifactFetcher.CircleCIAccess, projects: [String], http: OutboundHTTP, maxPages: Int = 5,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.access = access
        self.projects = projects
        self.http = ListingHTTP(http: http, now: now)
        self.maxPages = maxPages
    }

    package func repositories(matching filters: [GlobFilter]) async -> RepositoryExpansion {
        guard !projects.isEmpty else {
            return RepositoryExpansion(
                notes: ["CircleCI cannot list an organization's projects: name them in sources.circleci.projects (gh/acme/app) to reconcile them"])
        }
        return RepositoryExpansion(names: projects)
    }

    package func finishedBuilds(in project: String, since: Date, etag: String?) async throws(ListingError) -> BuildListing {
        var listing = BuildListing()
        var token: String?
        let step = "list the pipelines of \(project)"
        pages: for page in 1...maxPages {
            let answer = try await get("/project/\(project)/pipeline" + (token.map { "?page-token=\(ListingHTTP.queryValue($0))" } ?? ""), step: step)
            listing.exhaustedUntil = answer.exhaustedUntil ?? listing.exhaustedUntil
            let decoded = try ListingHTTP.decode(Pipelines.self, answer, step: step)
            for pipeline in decoded.items {
                if let created = pipeline.createdAt, created < since { break pages }
                listing.builds += try await workflows(of: pipeline, project: project)
            }
            token = decoded.nextPageToken.flatMap { $0.isEmpty ? nil : $0 }
            if token == nil || listing.exhaustedUntil != nil { break }
            if page == maxPages { listing.truncated = true }
        }
        return listing
    }

    /// The finished workflows of one pipeline, each with the pipeline's `vcs`.
    private func workflows(of listed: Pipelines.Item, project: String) async throws(ListingError) -> [FoundBuild] {
        let number = listed.number
        struct Workflows: Decodable {
            struct Item: Decodable {
                var id: String
                var name: String?
                var status: String
                var stoppedAt: Date?
            }
            var items: [Item]
        }
        let step = "list the workflows of pipeline \(number.map(String.init) ?? listed.id) of \(project)"
        let found = try ListingHTTP.decode(Workflows.self, try await get("/pipeline/\(listed.id)/workflow", step: step), step: step)
        var builds: [FoundBuild] = []
        for item in found.items {
            guard let stopped = item.stoppedAt else { continue }
            let workflow = CircleCIWorkflowAdapter.Workflow(
                id: item.id, name: item.name, status: item.status, url: Self.workflowURL(project: project, number: number, id: item.id))
            let event: BuildEvent
            do {
                event = try CircleCIWorkflowAdapter.event(workflow: workflow, pipeline: listed.pipeline, projectSlug: project)
            } catch {
                throw .unexpectedAnswer(step: step)
            }
            builds.append(FoundBuild(draft: event, finishedAt: stopped, deliverable: item.status == "success"))
        }
        return builds
    }

    struct Pipelines: Decodable {
        /// A pipeline; the list carries its `vcs` and `trigger_parameters` (the webhook's `pipeline`).
        struct Item: Decodable {
            var id: String
            var number: Int?
            var createdAt: Date?
            var pipeline: CircleCIWorkflowAdapter.Pipeline
            enum Keys: String, CodingKey { case id, number, createdAt }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: Keys.self)
                id = try container.decode(String.self, forKey: .id)
                number = try container.decodeIfPresent(Int.self, forKey: .number)
                createdAt = try? container.decodeIfPresent(Date.self, forKey: .createdAt)
                pipeline = try CircleCIWorkflowAdapter.Pipeline(from: decoder)
            }
        }
        var items: [Item]
        var nextPageToken: String?
    }

    package func completed(_ build: FoundBuild) async throws(ListingError) -> BuildEvent { build.draft }

    /// The workflow's page in the CircleCI app (`gh/acme/app` → `…/pipelines/github/acme/app/N/workflows/ID`).
    static func workflowURL(project: String, number: Int?, id: String) -> String? {
        guard let number else { return nil }
        let parts = project.split(separator: "/").map(String.init)
        let vcs = ["gh": "github", "bb": "bitbucket"][parts.first ?? ""] ?? parts.first ?? ""
        return "https://app.circleci.com/pipelines/\(([vcs] + parts.dropFirst()).joined(separator: "/"))/\(number)/workflows/\(id)"
    }

    private func get(_ path: String, step: String) async throws(ListingError) -> ListingHTTP.Answer {
        try await http.get(
            access.apiURL + path, headers: [("Circle-Token", access.token.revealed), ("Accept", "application/json")], step: step,
            hint: ArtifactFetcher.circleCIHint)
    }
}
