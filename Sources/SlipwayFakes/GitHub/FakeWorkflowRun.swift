package import Foundation

/// A GitHub Actions run as the fake knows it. The same record makes the run's `workflow_run`
/// webhook body and its entry in `GET /repos/{o}/{r}/actions/runs`, the way GitHub sends one
/// object in both (`workflow_run` in the hook, `workflow_runs[]` in the listing).
package struct FakeWorkflowRun: Sendable, Equatable {
    package var id: Int64
    package var repository: String
    package var repositoryID: Int64 = 77
    /// `push`, `pull_request`, `release`…
    package var event: String = "push"
    package var headBranch: String = "main"
    package var headSHA: String = "3484a3fb816e0859fd6e1cea078d76385ff50625"
    /// `queued`, `in_progress` or `completed`.
    package var status: String = "completed"
    package var conclusion: String? = "success"
    package var attempt: Int = 1
    package var pullRequests: [Int] = []
    package var commitMessage: String = "Add login screen"
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        id: Int64, repository: String, event: String = "push", headBranch: String = "main", pullRequests: [Int] = [],
        conclusion: String? = "success", createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.repository = repository
        self.event = event
        self.headBranch = headBranch
        self.pullRequests = pullRequests
        self.conclusion = conclusion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    var repositoryObject: [String: Any] {
        ["id": repositoryID, "full_name": repository, "name": repository.split(separator: "/").last.map(String.init) ?? ""]
    }

    /// The run object of the REST API and the webhook.
    var object: [String: Any] {
        let formatter = ISO8601DateFormatter()
        return [
            "id": id, "name": "Android", "run_attempt": attempt, "event": event, "status": status,
            "conclusion": conclusion.map { $0 as Any } ?? NSNull(), "head_branch": headBranch, "head_sha": headSHA,
            "html_url": "https://github.com/\(repository)/actions/runs/\(id)",
            "pull_requests": pullRequests.map { number in
                ["number": number, "base": ["ref": "main", "repo": ["id": repositoryID]]] as [String: Any]
            },
            "head_commit": ["message": commitMessage, "timestamp": "2026-11-22T10:00:00Z"],
            "created_at": formatter.string(from: createdAt), "updated_at": formatter.string(from: updatedAt),
            "repository": repositoryObject,
        ]
    }

    /// The `workflow_run` webhook body (`action: completed` once the run is).
    package var webhookBody: Data {
        let body: [String: Any] = [
            "action": status == "completed" ? "completed" : "in_progress", "workflow_run": object, "repository": repositoryObject,
        ]
        return (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
    }
}
