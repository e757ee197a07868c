package import Foundation

/// Bitrise outgoing-webhook deliveries as Bitrise sends them (no SHA, no repository), carrying the
/// shared secret in the custom header `X-Slipway-Token`.
package enum FakeBitriseHook {
    /// `buildStatus`: 0 not finished, 1 success, 2 failed, 3 aborted with failure, 4 aborted with success.
    package static func buildFinished(
        secret: String?, event: String = "build/finished", app: String = "abcd1234", slug: String = "1234abcd",
        buildStatus: Int = 1, branch: String = "feature/branch", pullRequestID: Int = 0, tag: String? = nil
    ) -> (headers: [String: String], body: Data) {
        let object: [String: Any] = [
            "build_slug": slug, "build_number": 3, "app_slug": app, "build_status": buildStatus,
            "build_triggered_workflow": "deploy",
            "git": [
                "provider": "github", "src_branch": branch, "dst_branch": "master", "pull_request_id": pullRequestID,
                "tag": tag ?? NSNull(),
            ] as [String: Any],
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = ["Bitrise-Event-Type": event, "Content-Type": "application/json"]
        if let secret { headers["X-Slipway-Token"] = secret }
        return (headers, body)
    }
}
