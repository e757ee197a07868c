import Crypto
package import Foundation

/// CircleCI `workflow-completed` deliveries in both payload shapes, signed `circleci-signature: v1=<hex>`.
package enum FakeCircleCIHook {
    package enum Shape: Sendable {
        /// GitHub OAuth / Bitbucket Cloud projects: `pipeline.vcs`.
        case vcs
        /// GitLab / GitHub App / Bitbucket DC projects: `pipeline.trigger_parameters`.
        case triggerParameters
    }

    package static func workflowCompleted(
        secret: String?, shape: Shape = .vcs, id: String = "3888f21b-eaa7-38e3-8f3d-75a63bba8895", status: String = "success",
        workflowID: String = "fda08377-fe7e-46b1-8992-3a7aaecac9c3", projectSlug: String = "gh/circleci/webhook-service",
        branch: String = "main", sha: String = "1dc6aa69429bff4806ad6afe58d3d8f57e25973e"
    ) -> (headers: [String: String], body: Data) {
        var pipeline: [String: Any] = ["id": "1285fe1d-d3a6-44fc-8886-8979558254c4", "number": 130]
        switch shape {
        case .vcs:
            pipeline["vcs"] = [
                "provider_name": "github", "target_repository_url": "https://github.com/circleci/webhook-service",
                "origin_repository_url": "https://github.com/circleci/webhook-service", "revision": sha, "branch": branch,
                "commit": ["subject": "Ship it"],
            ] as [String: Any]
        case .triggerParameters:
            pipeline["trigger_parameters"] = [
                "git": ["checkout_sha": sha, "branch": branch, "ref": "refs/heads/\(branch)", "tag": ""],
                "gitlab": ["project_id": "12345", "commit_sha": sha, "web_url": "https://gitlab.com/circleci/webhook-service", "branch": branch],
                "circleci": ["event_type": "push"],
            ] as [String: Any]
        }
        let object: [String: Any] = [
            "id": id, "type": "workflow-completed", "happened_at": "2021-09-01T22:49:34.317Z",
            "webhook": ["id": "cf8c4fdd-0587-4da1-b4ca-4846e9640af9", "name": "Slipway"],
            "project": ["id": "84996744-a854-4f5e-aea3-04e2851dc1d2", "name": "webhook-service", "slug": projectSlug],
            "organization": ["id": "f22b6566-597d-46d5-ba74-99ef5bb3d85c", "name": "circleci"],
            "workflow": [
                "id": workflowID, "name": "build-test-deploy", "status": status, "created_at": "2021-09-01T22:49:03.616Z",
                "stopped_at": "2021-09-01T22:49:34.170Z",
                "url": "https://app.circleci.com/pipelines/github/circleci/webhook-service/130/workflows/\(workflowID)",
            ],
            "pipeline": pipeline,
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = [
            "circleci-event-type": "workflow-completed", "user-agent": "CircleCI-Webhook/1.0", "content-type": "application/json",
        ]
        if let secret { headers["circleci-signature"] = "v1=\(signature(body: body, secret: secret))" }
        return (headers, body)
    }

    /// Hex HMAC-SHA256 of the body keyed by the signing secret.
    package static func signature(body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }
}
