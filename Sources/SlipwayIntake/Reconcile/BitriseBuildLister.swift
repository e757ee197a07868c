package import Foundation
package import SlipwayCore
package import SlipwayHTTP

/// Lists successful Bitrise builds (`GET /apps/{app}/builds?status=1&after=…`, paged with
/// `paging.next`) of the apps in `sources.bitrise.apps`, or of every app the token sees
/// (`GET /apps`) when the map is empty. Each becomes the event the `build/finished` hook makes.
package struct BitriseBuildLister: BuildLister {
    package var provider: BuildEvent.Provider { .bitrise }
    let access: ArtifactFetcher.BitriseAccess
    let appURL: String
    let apps: [String: String]
    let http: ListingHTTP
    let maxPages: Int

    package init(
        access: ArtifactFetcher.BitriseAccess, appURL: String, apps: [String: String], http: OutboundHTTP, maxPages: Int = 10,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.access = access
        self.appURL = appURL.hasSuffix("/") ? String(appURL.dropLast()) : appURL
        self.apps = apps
        self.http = ListingHTTP(http: http, now: now)
        self.maxPages = maxPages
    }

    /// App slugs (Bitrise has no repository names; the rules see `apps`' repository for each).
    package func repositories(matching filters: [GlobFilter]) async -> RepositoryExpansion {
        if !apps.isEmpty {
            return RepositoryExpansion(names: apps.filter { RepositoryPatterns.wanted($0.value, by: filters) }.keys.sorted())
        }
        struct Page: Decodable { struct App: Decodable { var slug: String }; var data: [App] }
        do {
            let page = try ListingHTTP.decode(Page.self, try await get("/apps?limit=50", step: "list the apps"), step: "list the apps")
            return RepositoryExpansion(names: page.data.map(\.slug).filter { RepositoryPatterns.wanted($0, by: filters) })
        } catch {
            return RepositoryExpansion(notes: ["could not list the apps: \(error)"])
        }
    }

    package func finishedBuilds(in app: String, since: Date, etag: String?) async throws(ListingError) -> BuildListing {
        struct Page: Decodable {
            struct Build: Decodable {
                var slug: String
                var status: Int
                var branch: String?
                var commitHash: String?
                var pullRequestId: BitriseBuildAdapter.LenientInt?
                var tag: String?
                var finishedAt: Date?
            }
            struct Paging: Decodable { var next: String? }
            var data: [Build]
            var paging: Paging?
        }
        guard let repository = BitriseBuildAdapter.repository(app: app, apps: apps) else { return BuildListing() }
        var listing = BuildListing()
        var next: String?
        let step = "list the successful builds of app \(app)"
        for page in 1...maxPages {
            let cursor = next.map { "&next=\(ListingHTTP.queryValue($0))" } ?? ""
            let answer = try await get("/apps/\(app)/builds?status=1&after=\(Int(since.timeIntervalSince1970))&limit=50\(cursor)", step: step)
            listing.exhaustedUntil = answer.exhaustedUntil ?? listing.exhaustedUntil
            let decoded = try ListingHTTP.decode(Page.self, answer, step: step)
            for build in decoded.data {
                let event = BitriseBuildAdapter.event(
                    app: app, build: build.slug, repository: repository, branch: build.branch, tag: build.tag,
                    pullRequest: build.pullRequestId?.value, sha: build.commitHash, appURL: appURL)
                listing.builds.append(FoundBuild(draft: event, finishedAt: build.finishedAt ?? http.now(), deliverable: build.status == 1))
            }
            next = decoded.paging?.next.flatMap { $0.isEmpty ? nil : $0 }
            if next == nil || listing.exhaustedUntil != nil { break }
            if page == maxPages { listing.truncated = true }
        }
        return listing
    }

    package func completed(_ build: FoundBuild) async throws(ListingError) -> BuildEvent { build.draft }

    private func get(_ path: String, step: String) async throws(ListingError) -> ListingHTTP.Answer {
        try await http.get(
            access.apiURL + path, headers: [("Authorization", access.token.revealed)], step: step, hint: ArtifactFetcher.bitriseHint)
    }
}
