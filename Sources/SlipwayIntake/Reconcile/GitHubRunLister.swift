package import Foundation
package import SlipwayCore
package import SlipwayHTTP

/// Lists completed GitHub Actions runs (`GET /repos/{o}/{r}/actions/runs?status=completed&created=>=…`,
/// paginated, first page conditional on its `ETag`), and expands repository globs through
/// `GET /installation/repositories` (an App) or `GET /orgs/{o}/repos`, falling back to
/// `GET /users/{o}/repos` (a token). Expansions are cached for `expansionLifetime`.
package actor GitHubRunLister: BuildLister {
    package nonisolated var provider: BuildEvent.Provider { .github }
    let apiURL: String
    let credentials: any GitHubCredentials
    let http: ListingHTTP
    /// Pages of 100 runs read per repository and pass (1,000 runs); older ones are left.
    let maxPages: Int
    /// Repositories read per owner when expanding a glob (pages of 100).
    let maxRepositoryPages: Int
    let expansionLifetime: TimeInterval
    private var expansions: [String: (at: Date, names: [String])] = [:]

    package init(
        apiURL: String, credentials: any GitHubCredentials, http: OutboundHTTP, maxPages: Int = 10, maxRepositoryPages: Int = 5,
        expansionLifetime: TimeInterval = 3600, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.credentials = credentials
        self.http = ListingHTTP(http: http, now: now)
        self.maxPages = maxPages
        self.maxRepositoryPages = maxRepositoryPages
        self.expansionLifetime = expansionLifetime
    }

    package func repositories(matching filters: [GlobFilter]) async -> RepositoryExpansion {
        await RepositoryPatterns.expand(
            filters, nestedPrefixes: false, everything: credentials.listsInstallationRepositories ? "" : nil,
            noun: ("repository", "owner")
        ) { owner async throws(ListingError) in try await self.repositories(of: owner) }
    }

    /// `owner` empty: every repository of the App's installation.
    private func repositories(of owner: String) async throws(ListingError) -> [String] {
        if let cached = expansions[owner], http.now().timeIntervalSince(cached.at) < expansionLifetime { return cached.names }
        let paths = credentials.listsInstallationRepositories
            ? ["/installation/repositories"] : ["/orgs/\(owner)/repos", "/users/\(owner)/repos"]
        var names: [String] = []
        for (index, path) in paths.enumerated() {
            do {
                names = try await readRepositories(path, owner: owner)
                break
            } catch .notFound(let step) {
                if index == paths.count - 1 { throw .notFound(step: step) }
            }
        }
        let filtered = owner.isEmpty ? names : names.filter { $0.lowercased().hasPrefix(owner.lowercased() + "/") }
        expansions[owner] = (http.now(), filtered)
        return filtered
    }

    private func readRepositories(_ path: String, owner: String) async throws(ListingError) -> [String] {
        struct Repo: Decodable { var fullName: String }
        struct InstallationPage: Decodable { var repositories: [Repo] }
        var names: [String] = []
        let step = "list the repositories of \(owner.isEmpty ? "the installation" : owner) (GET \(path))"
        for page in 1...maxRepositoryPages {
            let answer = try await call("\(apiURL)\(path)?per_page=100&page=\(page)", scope: .owner(owner), step: step)
            let repos: [Repo]
            do {
                repos = path == "/installation/repositories"
                    ? try JSONDecoder.gitHub.decode(InstallationPage.self, from: answer.body).repositories
                    : try JSONDecoder.gitHub.decode([Repo].self, from: answer.body)
            } catch {
                throw .unexpectedAnswer(step: step)
            }
            names += repos.map(\.fullName)
            if repos.count < 100 || ListingHTTP.nextLink(answer.header("link"), sameOriginAs: apiURL) == nil { break }
        }
        return names
    }

    package func finishedBuilds(in repository: String, since: Date, etag: String?) async throws(ListingError) -> BuildListing {
        struct Page: Decodable {
            var workflowRuns: [GitHubWorkflowRunAdapter.WorkflowRun]
            enum CodingKeys: String, CodingKey { case workflowRuns = "workflow_runs" }
        }
        var url: String? =
            "\(apiURL)/repos/\(repository)/actions/runs?status=completed&per_page=100&created=%3E%3D\(ListingHTTP.queryTimestamp(since))"
        var listing = BuildListing()
        var page = 0
        while let next = url {
            page += 1
            guard page <= maxPages else {
                listing.truncated = true
                break
            }
            let step = "list the finished runs of \(repository)"
            let answer = try await call(next, scope: .repository(repository), step: step, etag: page == 1 ? etag : nil)
            if let until = answer.exhaustedUntil { listing.exhaustedUntil = until }
            if page == 1 {
                if answer.status == 304 {
                    listing.notModified = true
                    listing.etag = etag
                    return listing
                }
                listing.etag = answer.header("etag")
            }
            let decoded: Page
            do {
                decoded = try JSONDecoder.plain.decode(Page.self, from: answer.body)
            } catch {
                throw .unexpectedAnswer(step: step)
            }
            for run in decoded.workflowRuns where run.status == nil || run.status == "completed" {
                let repo = run.repository ?? .init(id: nil, fullName: repository)
                listing.builds.append(
                    FoundBuild(
                        draft: GitHubWorkflowRunAdapter.event(run: run, repository: repo),
                        finishedAt: run.updatedAt ?? http.now()))
            }
            url = listing.exhaustedUntil == nil ? ListingHTTP.nextLink(answer.header("link"), sameOriginAs: apiURL) : nil
        }
        return listing
    }

    /// A run's listing entry already carries everything its webhook does.
    package func completed(_ build: FoundBuild) async throws(ListingError) -> BuildEvent { build.draft }

    /// One GET with GitHub's headers; a 401 drops an App token and tries once more with a fresh one.
    enum Scope {
        case repository(String)
        case owner(String)
    }

    private func call(_ url: String, scope: Scope, step: String, etag: String? = nil) async throws(ListingError)
        -> ListingHTTP.Answer
    {
        let repository: String
        switch scope {
        case .repository(let name): repository = name
        case .owner(let owner): repository = "\(owner)/"
        }
        for attempt in 1...2 {
            let authorization: String
            do {
                switch scope {
                case .repository(let name): authorization = try await credentials.authorization(repository: name)
                case .owner(let owner): authorization = try await credentials.authorization(owner: owner)
                }
            } catch .http(let step, 404, _, _) {
                // The App is not installed there: to reconciliation, a repository GitHub does not show us.
                throw .notFound(step: step)
            } catch {
                throw .credentials(error.description)
            }
            var headers = [
                ("Authorization", authorization), ("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"),
            ]
            if let etag { headers.append(("If-None-Match", etag)) }
            do {
                return try await http.get(url, headers: headers, step: step, hint: Self.hint)
            } catch .http(let step, 401, let message, let hint) {
                await credentials.refused(repository: repository)
                if attempt == 2 || !credentials.canRefresh { throw .http(step: step, status: 401, message: message, hint: hint) }
            }
        }
        throw .credentials("GitHub refused the credentials twice")
    }

    @Sendable static func hint(status: Int) -> String? {
        switch status {
        case 401: "the token in sources.github is invalid or expired"
        case 403: "the token needs read access to Actions (fine-grained: \"Actions: read\"; App: the actions permission)"
        default: nil
        }
    }
}
