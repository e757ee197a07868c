package import Foundation
package import SlipwayCore
package import SlipwayHTTP

/// Lists passed Buildkite builds of every organization the token sees (`GET /organizations`,
/// then `GET /organizations/{org}/builds?state=passed&finished_from=…`, paged with `Link`). The
/// REST build carries its `pipeline`, so each becomes the event the `build.finished` hook makes;
/// the rules then pick by the repository the pipeline builds.
package struct BuildkiteBuildLister: BuildLister {
    package var provider: BuildEvent.Provider { .buildkite }
    let access: ArtifactFetcher.BuildkiteAccess
    let http: ListingHTTP
    let maxPages: Int

    package init(
        access: ArtifactFetcher.BuildkiteAccess, http: OutboundHTTP, maxPages: Int = 10, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.access = access
        self.http = ListingHTTP(http: http, now: now)
        self.maxPages = maxPages
    }

    /// Organization slugs: a build's repository is only known from its pipeline, so every
    /// organization is listed and the rules sort the builds.
    package func repositories(matching filters: [GlobFilter]) async -> RepositoryExpansion {
        struct Organization: Decodable { var slug: String }
        do {
            let step = "list the organizations"
            let found = try ListingHTTP.decode([Organization].self, try await get(access.apiURL + "/organizations", step: step), step: step)
            return RepositoryExpansion(names: found.map(\.slug))
        } catch {
            return RepositoryExpansion(notes: ["could not list the organizations: \(error)"])
        }
    }

    package func finishedBuilds(in organization: String, since: Date, etag: String?) async throws(ListingError) -> BuildListing {
        struct Listed: Decodable {
            var build: BuildkiteBuildAdapter.Build
            var pipeline: BuildkiteBuildAdapter.Pipeline
            var finishedAt: Date?
            init(from decoder: any Decoder) throws {
                build = try BuildkiteBuildAdapter.Build(from: decoder)
                let container = try decoder.container(keyedBy: Keys.self)
                pipeline = try container.decode(BuildkiteBuildAdapter.Pipeline.self, forKey: .pipeline)
                finishedAt = try? container.decodeIfPresent(Date.self, forKey: .finishedAt)
            }
            enum Keys: String, CodingKey { case pipeline, finishedAt }
        }
        var listing = BuildListing()
        let step = "list the passed builds of \(organization)"
        var url: String? = "\(access.apiURL)/organizations/\(organization)/builds?state=passed&per_page=100&finished_from="
            + ListingHTTP.queryTimestamp(since)
        var page = 0
        while let next = url {
            page += 1
            guard page <= maxPages else {
                listing.truncated = true
                break
            }
            let answer = try await get(next, step: step)
            listing.exhaustedUntil = answer.exhaustedUntil ?? listing.exhaustedUntil
            for item in try ListingHTTP.decode([Listed].self, answer, step: step) {
                let event = BuildkiteBuildAdapter.event(build: item.build, pipeline: item.pipeline, organization: organization)
                listing.builds.append(
                    FoundBuild(
                        draft: event, finishedAt: item.finishedAt ?? http.now(),
                        deliverable: item.build.state == "passed" && item.build.blocked != true))
            }
            url = listing.exhaustedUntil == nil ? ListingHTTP.nextLink(answer.header("link"), sameOriginAs: access.apiURL) : nil
        }
        return listing
    }

    package func completed(_ build: FoundBuild) async throws(ListingError) -> BuildEvent { build.draft }

    private func get(_ url: String, step: String) async throws(ListingError) -> ListingHTTP.Answer {
        try await http.get(url, headers: [("Authorization", "Bearer \(access.token.revealed)")], step: step, hint: ArtifactFetcher.buildkiteHint)
    }
}
