package import Foundation
package import SlipwayCore
package import SlipwayHTTP

/// Lists successful GitLab pipelines updated since the cursor
/// (`GET /projects/:id/pipelines?status=success&updated_after=…`, paginated with `X-Next-Page`),
/// and completes each new one from the single-pipeline, jobs, merge-request and commit APIs into
/// the event its pipeline hook would have made. Group globs (`acme/*`) expand through
/// `GET /groups/:id/projects?include_subgroups=true`, cached for `expansionLifetime`.
package actor GitLabPipelineLister: BuildLister {
    package nonisolated var provider: BuildEvent.Provider { .gitlab }
    let apiURL: String
    let token: Secret
    let http: ListingHTTP
    let maxPages: Int
    let maxProjectPages: Int
    let expansionLifetime: TimeInterval
    private var projects: [String: GitLabPipelineAdapter.Project] = [:]
    private var expansions: [String: (at: Date, names: [String])] = [:]

    package init(
        apiURL: String, token: Secret, http: OutboundHTTP, maxPages: Int = 10, maxProjectPages: Int = 5,
        expansionLifetime: TimeInterval = 3600, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.token = token
        self.http = ListingHTTP(http: http, now: now)
        self.maxPages = maxPages
        self.maxProjectPages = maxProjectPages
        self.expansionLifetime = expansionLifetime
    }

    package func repositories(matching filters: [GlobFilter]) async -> RepositoryExpansion {
        await RepositoryPatterns.expand(filters, nestedPrefixes: true, everything: nil, noun: ("project", "group")) {
            group async throws(ListingError) in try await self.projects(of: group)
        }
    }

    private func projects(of group: String) async throws(ListingError) -> [String] {
        if let cached = expansions[group], http.now().timeIntervalSince(cached.at) < expansionLifetime { return cached.names }
        var names: [String] = []
        var page: String? = "1"
        var read = 0
        while let current = page, read < maxProjectPages {
            read += 1
            let answer = try await get(
                "/groups/\(Self.escaped(group))/projects?include_subgroups=true&per_page=100&page=\(current)",
                step: "list the projects of group \(group)")
            let found = try decode([GitLabPipelineAdapter.Project].self, answer, step: "list the projects of group \(group)")
            for project in found { projects[project.pathWithNamespace] = project }
            names += found.map(\.pathWithNamespace)
            page = Self.nextPage(answer)
        }
        expansions[group] = (http.now(), names)
        return names
    }

    /// The project's numeric id, canonical path and web URL (`GET /projects/:path`), cached.
    private func project(_ path: String) async throws(ListingError) -> GitLabPipelineAdapter.Project {
        if let known = projects[path] { return known }
        let step = "read the project \(path)"
        let project = try decode(GitLabPipelineAdapter.Project.self, try await get("/projects/\(Self.escaped(path))", step: step), step: step)
        projects[path] = project
        return project
    }

    package func finishedBuilds(in repository: String, since: Date, etag: String?) async throws(ListingError) -> BuildListing {
        struct Listed: Decodable {
            var id: Int64
            var sha: String
            var ref: String?
            var status: String
            var source: String?
            var updatedAt: String?
            var webUrl: String?
        }
        let project = try await project(repository)
        var listing = BuildListing()
        var page: String? = "1"
        var read = 0
        let step = "list the successful pipelines of \(repository)"
        while let current = page {
            read += 1
            guard read <= maxPages else {
                listing.truncated = true
                break
            }
            let answer = try await get(
                "/projects/\(project.id)/pipelines?status=success&updated_after=\(ListingHTTP.queryTimestamp(since))"
                    + "&order_by=updated_at&sort=desc&per_page=100&page=\(current)", step: step)
            if let until = answer.exhaustedUntil { listing.exhaustedUntil = until }
            for pipeline in try decode([Listed].self, answer, step: step) {
                // The hook's conversion needs the tag flag, jobs, merge request and commit: `completed` reads them.
                let draftPipeline = GitLabPipelineAdapter.Pipeline(
                    id: pipeline.id, ref: pipeline.ref, tag: nil, sha: pipeline.sha, status: pipeline.status, url: pipeline.webUrl)
                let draft = GitLabPipelineAdapter.event(pipeline: draftPipeline, project: project, mergeRequest: nil, commit: nil, jobs: [:])
                listing.builds.append(
                    FoundBuild(
                        draft: draft, finishedAt: pipeline.updatedAt.flatMap(GitLabPipelineAdapter.date) ?? http.now(),
                        deliverable: pipeline.status == "success"))
            }
            page = listing.exhaustedUntil == nil ? Self.nextPage(answer) : nil
        }
        return listing
    }

    package func completed(_ build: FoundBuild) async throws(ListingError) -> BuildEvent {
        struct Single: Decodable {
            var id: Int64
            var sha: String
            var ref: String?
            var tag: Bool?
            var status: String
            var source: String?
            var webUrl: String?
        }
        struct Job: Decodable { var id: Int64; var name: String; var status: String }
        struct MergeRequest: Decodable { var iid: Int; var sourceBranch: String?; var targetBranch: String? }
        struct Commit: Decodable { var message: String?; var committedDate: String? }
        let project = try await project(build.draft.repository)
        let id = build.draft.buildID
        let step = "read pipeline \(id) of \(project.pathWithNamespace)"
        let single = try decode(Single.self, try await get("/projects/\(project.id)/pipelines/\(id)", step: step), step: step)
        let jobsStep = "list the jobs of pipeline \(id)"
        let jobs = try decode(
            [Job].self, try await get("/projects/\(project.id)/pipelines/\(id)/jobs?scope%5B%5D=success&per_page=100", step: jobsStep),
            step: jobsStep)
        var mergeRequest: GitLabPipelineAdapter.MergeRequest?
        if single.source == "merge_request_event", let iid = Self.mergeRequestIID(single.ref) {
            let mrStep = "read merge request !\(iid) of \(project.pathWithNamespace)"
            let found = try decode(
                MergeRequest.self, try await get("/projects/\(project.id)/merge_requests/\(iid)", step: mrStep), step: mrStep)
            mergeRequest = .init(iid: found.iid, sourceBranch: found.sourceBranch, targetBranch: found.targetBranch)
        }
        let commitStep = "read commit \(single.sha.prefix(8))"
        let commit = try? decode(
            Commit.self, try await get("/projects/\(project.id)/repository/commits/\(single.sha)", step: commitStep), step: commitStep)
        var successful: [String: Int64] = [:]
        for job in jobs where job.status == "success" { successful[job.name] = job.id }
        return GitLabPipelineAdapter.event(
            pipeline: .init(id: single.id, ref: single.ref, tag: single.tag, sha: single.sha, status: single.status, url: single.webUrl),
            project: project, mergeRequest: mergeRequest,
            commit: commit.map { .init(message: $0.message, timestamp: $0.committedDate) }, jobs: successful)
    }

    /// GitLab's `X-Next-Page` (empty on the last page), taken only as a page number.
    static func nextPage(_ answer: ListingHTTP.Answer) -> String? {
        answer.header("x-next-page").flatMap(Int.init).map(String.init)
    }

    /// `refs/merge-requests/12/head` → 12.
    static func mergeRequestIID(_ ref: String?) -> Int? {
        guard let ref, ref.hasPrefix("refs/merge-requests/") else { return nil }
        return ref.split(separator: "/").dropFirst(2).first.flatMap { Int($0) }
    }

    private func get(_ path: String, step: String) async throws(ListingError) -> ListingHTTP.Answer {
        try await http.get(
            apiURL + path, headers: [("Authorization", "Bearer \(token.revealed)")], step: step,
            hint: ArtifactFetcher.gitLabHint)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ answer: ListingHTTP.Answer, step: String) throws(ListingError) -> T {
        try ListingHTTP.decode(type, answer, step: step)
    }

    /// A project or group path as one URL segment (`group%2Fapp`).
    static func escaped(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? path
    }
}
