import Foundation
import Hummingbird
import NIOCore
import SlipwayFakes

/// What the fakes hold, for `scripts/chaos` to count deliveries, duplicates and refusals from the
/// stores' side (`GET /records` on the control port).
extension ChaosWorld {
    func controlRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/records") { _, _ in
            let data = try JSONSerialization.data(withJSONObject: await records(), options: [.sortedKeys])
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }

    func records() async -> [String: Any] {
        var faults: [String: Any] = [:]
        var requests: [String: Int] = [:]
        var refusals: [String: [String]] = [:]
        for (name, chaos) in chaos {
            faults[name] = Dictionary(uniqueKeysWithValues: await chaos.injected.map { ($0.key.rawValue, $0.value) })
            requests[name] = await chaos.requests
            refusals[name] = await chaos.refusals
        }
        var statuses = 0
        var comments = 0
        for delivery in deliveries {
            statuses += await github.statuses(repository: Self.repository, sha: delivery.sha).count
            comments += await github.comments(repository: Self.repository, issue: delivery.index + 1).count
        }
        let amazonAPKs = await amazon.edit(of: Self.amazonAppID)?.apks ?? []
        return [
            "deliveries": deliveries.map {
                ["index": $0.index, "runID": $0.runID, "sha": $0.sha, "versionCode": $0.versionCode, "sha256": $0.sha256]
            },
            "faults": faults, "requests": requests, "refusals": refusals,
            // Files each store holds, by sha256: one entry per upload the store kept.
            "uploads": [
                "play": await play.uploads.map(\.sha256),
                "applivery": await applivery.uploads.map(\.sha256),
                "product-science": await productScience.uploads.map { ["sha256": $0.sha256, "build": $0.buildID] },
                "ignite": await ignite.uploads.filter { $0.apkID != nil }.map(\.sha256),
                "amazon": amazonAPKs.filter { $0.versionCode >= Self.firstVersionCode }.map {
                    ["sha256": $0.sha256 ?? "", "versionCode": $0.versionCode]
                },
            ] as [String: Any],
            "productScienceBuildRecords": await productScience.builds.count,
            "githubStatuses": statuses, "githubComments": comments, "slackMessages": await slack.messages.count,
        ]
    }
}
