package import Foundation
import Hummingbird
import NIOCore

/// How a finished build shows in Bitrise's build list.
package struct FakeBitriseListing: Sendable {
    /// 1 success, 2 failed, 3/4 aborted.
    package var status: Int
    package var pullRequestID: Int
    package var tag: String?
    package var triggeredAt: Date
    package var finishedAt: Date

    package init(status: Int = 1, pullRequestID: Int = 0, tag: String? = nil, triggeredAt: Date, finishedAt: Date) {
        self.status = status
        self.pullRequestID = pullRequestID
        self.tag = tag
        self.triggeredAt = triggeredAt
        self.finishedAt = finishedAt
    }
}

/// `GET /v0.1/apps/{app}/builds` (devcenter "List all builds of an app"): `status`, `after` (unix
/// seconds, builds triggered after it), `limit` (≤ 50) and `next` (the slug to continue from),
/// newest first, `paging.next` while more are left.
extension FakeBitrise {
    /// Marks build `slug` (added with `addBuild`) finished, so it shows in the build list.
    package func finish(app: String, slug: String, _ listing: FakeBitriseListing) {
        builds["\(app)/\(slug)"]?.listing = listing
    }

    nonisolated func addBuildListingRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v0.1/apps/:app/builds") { request, context in
            await self.listBuilds(app: context.parameters.get("app") ?? "", request: request)
        }
    }

    private func listBuilds(app: String, request: Request) -> Response {
        requestLog.append("GET builds \(app)")
        guard request.headers[.authorization] == token else {
            return FakeGitHub.json(.unauthorized, ["message": "Unauthorized"])
        }
        let query = request.uri.queryParameters
        let after = query.get("after", as: Double.self).map { Date(timeIntervalSince1970: $0) }
        let status = query.get("status", as: Int.self)
        let limit = min(query.get("limit", as: Int.self) ?? 50, 50)
        let formatter = ISO8601DateFormatter()
        var listed = builds.compactMap { key, build -> (slug: String, build: Build, listing: FakeBitriseListing)? in
            guard key.hasPrefix(app + "/"), let listing = build.listing else { return nil }
            return (String(key.dropFirst(app.count + 1)), build, listing)
        }
        .filter { (status == nil || $0.listing.status == status) && (after == nil || $0.listing.triggeredAt > after!) }
        .sorted { $0.listing.triggeredAt > $1.listing.triggeredAt }
        if let next = query.get("next"), let index = listed.firstIndex(where: { $0.slug == next }) {
            listed = Array(listed[index...])
        }
        let page = listed.prefix(limit)
        let data: [[String: Any]] = page.map { item in
            [
                "slug": item.slug, "status": item.listing.status, "branch": item.build.branch,
                "commit_hash": item.build.commitHash ?? NSNull(), "pull_request_id": item.listing.pullRequestID,
                "tag": item.listing.tag ?? NSNull(), "triggered_at": formatter.string(from: item.listing.triggeredAt),
                "finished_at": formatter.string(from: item.listing.finishedAt), "build_number": 3,
            ]
        }
        var paging: [String: Any] = ["total_item_count": listed.count, "page_item_limit": limit]
        if listed.count > limit { paging["next"] = listed[limit].slug }
        return FakeGitHub.json(.ok, ["data": data, "paging": paging])
    }
}
