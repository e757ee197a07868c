package import Foundation

/// Pipeline-hook deliveries as GitLab sends them (shape of `webhook_events.md` § Pipeline events),
/// for tests and the demo.
package enum FakeGitLabHook {
    /// A pipeline hook with `X-Gitlab-Token: token` (nil: no token header) and an `Idempotency-Key`.
    /// `mergeRequestIID` makes it an MR pipeline; `jobs` become `builds[]` (name → job id), all successful.
    package static func pipeline(
        token: String?, idempotencyKey: String = UUID().uuidString, status: String = "success",
        projectID: Int64 = 1, path: String = "gitlab-org/gitlab-test", pipelineID: Int64 = 31, ref: String = "main",
        sha: String = "bcbb5ec396a2c0f828686f14fac9b80b780504f2", mergeRequestIID: Int? = nil,
        jobs: [String: Int64] = ["assemble-release": 377]
    ) -> (headers: [String: String], body: Data) {
        var object: [String: Any] = [
            "object_kind": "pipeline",
            "object_attributes": [
                "id": pipelineID, "iid": 3, "name": "Pipeline for branch: \(ref)", "ref": ref, "tag": false, "sha": sha,
                "source": mergeRequestIID == nil ? "push" : "merge_request_event", "status": status,
                "created_at": "2016-08-12 15:23:28 UTC", "finished_at": "2016-08-12 15:26:29 UTC",
                "url": "http://example.com/\(path)/-/pipelines/\(pipelineID)",
            ] as [String: Any],
            "project": [
                "id": projectID, "path_with_namespace": path, "web_url": "http://example.com/\(path)", "default_branch": "main",
            ] as [String: Any],
            "commit": ["id": sha, "message": "Ship it\n", "timestamp": "2016-08-12T17:23:21+02:00"],
            "builds": jobs.keys.sorted().map { name in
                ["id": jobs[name]!, "stage": "build", "name": name, "status": "success",
                 "artifacts_file": ["filename": NSNull(), "size": NSNull()]] as [String: Any]
            },
        ]
        if let mergeRequestIID {
            object["merge_request"] = [
                "id": 99, "iid": mergeRequestIID, "source_branch": "feature/login", "source_project_id": projectID,
                "target_branch": "main", "target_project_id": projectID, "state": "opened",
                "url": "http://example.com/\(path)/merge_requests/\(mergeRequestIID)",
            ] as [String: Any]
        } else {
            object["merge_request"] = NSNull()
        }
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = [
            "X-Gitlab-Event": "Pipeline Hook", "Idempotency-Key": idempotencyKey,
            "X-Gitlab-Webhook-UUID": UUID().uuidString, "X-Gitlab-Event-UUID": UUID().uuidString,
            "Content-Type": "application/json", "User-Agent": "GitLab/17.9.0",
        ]
        if let token { headers["X-Gitlab-Token"] = token }
        return (headers, body)
    }
}
