package import Foundation

/// A GitLab pipeline as the fake knows it. The same record makes its pipeline hook and its answers
/// in the pipelines, jobs, merge-request and commit APIs, as GitLab reports one pipeline in both.
package struct FakeGitLabPipeline: Sendable, Equatable {
    package var id: Int64
    package var projectID: Int64
    package var path: String
    /// A branch or tag name; MR pipelines use `refs/merge-requests/IID/head`.
    package var ref: String
    package var sha: String = "bcbb5ec396a2c0f828686f14fac9b80b780504f2"
    package var status: String = "success"
    package var tag = false
    package var mergeRequestIID: Int?
    package var sourceBranch: String?
    /// Successful jobs, name → id.
    package var jobs: [String: Int64]
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        id: Int64, projectID: Int64, path: String, ref: String, status: String = "success", mergeRequestIID: Int? = nil,
        sourceBranch: String? = nil, jobs: [String: Int64], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.projectID = projectID
        self.path = path
        self.ref = mergeRequestIID.map { "refs/merge-requests/\($0)/head" } ?? ref
        self.status = status
        self.mergeRequestIID = mergeRequestIID
        self.sourceBranch = sourceBranch ?? (mergeRequestIID == nil ? nil : ref)
        self.jobs = jobs
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    static let commitMessage = "Ship it\n"
    static let commitTimestamp = "2016-08-12T17:23:21+02:00"

    var webURL: String { "http://gitlab.example/\(path)/-/pipelines/\(id)" }
    var source: String { mergeRequestIID == nil ? "push" : "merge_request_event" }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// The entry of `GET /projects/:id/pipelines` (and, with `tag`, of the single-pipeline API).
    var listObject: [String: Any] {
        [
            "id": id, "iid": id % 1000, "project_id": projectID, "sha": sha, "ref": ref, "status": status, "source": source,
            "created_at": Self.time(createdAt), "updated_at": Self.time(updatedAt), "web_url": webURL,
        ]
    }

    var singleObject: [String: Any] {
        var object = listObject
        object["tag"] = tag
        object["finished_at"] = Self.time(updatedAt)
        return object
    }

    var mergeRequestObject: [String: Any]? {
        guard let mergeRequestIID else { return nil }
        return [
            "id": 99, "iid": mergeRequestIID, "project_id": projectID, "source_branch": sourceBranch ?? "", "target_branch": "main",
            "source_project_id": projectID, "target_project_id": projectID, "state": "opened",
            "web_url": "http://gitlab.example/\(path)/-/merge_requests/\(mergeRequestIID)",
        ]
    }

    /// The pipeline hook GitLab sends when the pipeline reaches `status`, with `X-Gitlab-Token: token`.
    package func hook(token: String, idempotencyKey: String = UUID().uuidString) -> (headers: [String: String], body: Data) {
        var attributes = singleObject
        attributes["url"] = webURL
        attributes.removeValue(forKey: "web_url")
        var object: [String: Any] = [
            "object_kind": "pipeline", "object_attributes": attributes,
            "project": [
                "id": projectID, "path_with_namespace": path, "web_url": "http://gitlab.example/\(path)", "default_branch": "main",
            ] as [String: Any],
            "commit": ["id": sha, "message": Self.commitMessage, "timestamp": Self.commitTimestamp],
            "builds": jobs.keys.sorted().map { ["id": jobs[$0]!, "stage": "build", "name": $0, "status": "success"] as [String: Any] },
        ]
        object["merge_request"] = mergeRequestObject ?? NSNull()
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        let headers = [
            "X-Gitlab-Event": "Pipeline Hook", "Idempotency-Key": idempotencyKey, "X-Gitlab-Event-UUID": UUID().uuidString,
            "Content-Type": "application/json", "X-Gitlab-Token": token,
        ]
        return (headers, body)
    }
}
