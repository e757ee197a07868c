package import Foundation
package import SlipwayCore

/// GitHub Actions `workflow_run` webhooks (repository, organisation or App hooks).
///
/// Verified with `X-Hub-Signature-256`; de-duplicated by `X-GitHub-Delivery`, which a manual
/// redelivery keeps. Only `action: completed` carries a conclusion; other actions are ignored.
package struct GitHubWorkflowRunAdapter: WebhookAdapter {
    package let secret: Secret
    package var provider: BuildEvent.Provider { .github }

    package init(secret: Secret) {
        self.secret = secret
    }

    static func checkRunAction(_ body: Data, deliveryID: String) throws(WebhookError) -> WebhookIntake {
        struct Payload: Decodable {
            struct Requested: Decodable { var identifier: String }
            struct CheckRun: Decodable { var externalId: String?; var name: String? }
            var action: String
            var requestedAction: Requested?
            var checkRun: CheckRun
        }
        let payload: Payload
        do {
            payload = try JSONDecoder.gitHub.decode(Payload.self, from: body)
        } catch {
            throw .malformed("check_run body is not the JSON GitHub sends: \(describe(error))")
        }
        guard payload.action == "requested_action", payload.requestedAction?.identifier == CheckRunAction.redeliver,
            let target = payload.checkRun.externalId, !target.isEmpty
        else {
            return .ignored(deliveryID: deliveryID, reason: "check_run \(payload.action) is not a Slipway action")
        }
        return .redeliver(deliveryID: deliveryID, slipwayDelivery: target)
    }

    package func receive(_ request: WebhookRequest, now: Date) throws(WebhookError) -> WebhookIntake {
        try WebhookSignature.verifyGitHub(header: request.header("x-hub-signature-256"), body: request.body, secret: secret)
        guard let deliveryID = request.header("x-github-delivery"), !deliveryID.isEmpty else {
            throw .malformed("missing X-GitHub-Delivery header")
        }
        guard let eventName = request.header("x-github-event") else {
            throw .malformed("missing X-GitHub-Event header")
        }
        switch eventName {
        case "ping":
            return .ignored(deliveryID: deliveryID, reason: "ping received: the webhook is wired up")
        case "workflow_run":
            break
        case "check_run":
            return try Self.checkRunAction(request.body, deliveryID: deliveryID)
        default:
            return .ignored(
                deliveryID: deliveryID,
                reason: "event \(eventName) is not used; subscribe the webhook to \"Workflow runs\" only")
        }
        let payload: Payload
        do {
            payload = try JSONDecoder.plain.decode(Payload.self, from: request.body)
        } catch {
            throw .malformed("workflow_run body is not the JSON GitHub sends: \(Self.describe(error))")
        }
        guard payload.action == "completed" else {
            return .ignored(deliveryID: deliveryID, reason: "workflow_run action \(payload.action) is not final; waiting for completed")
        }
        return .build(deliveryID: deliveryID, event: Self.event(run: payload.workflowRun, repository: payload.repository))
    }

    /// The build a completed run stands for. The webhook and reconciliation (which lists the same
    /// run objects from `GET /repos/{o}/{r}/actions/runs`) both make it here, so a missed webhook's
    /// run becomes exactly the event the webhook would have produced.
    static func event(run: WorkflowRun, repository repo: Repository) -> BuildEvent {
        let repository = repo.fullName
        let trigger: BuildEvent.Trigger
        var tag: String?
        switch run.event {
        case "pull_request", "pull_request_target": trigger = .pullRequest
        case "release":
            trigger = .tag
            tag = run.headBranch
        default: trigger = .push
        }
        // Entries can belong to another repository (a PR from this repo's branch into a fork);
        // only PRs whose base is this repository get comments here.
        let ownPullRequest = run.pullRequests?.first { $0.base?.repo?.id == nil || $0.base?.repo?.id == repo.id }
        let pullRequest = ownPullRequest?.number
        var event = BuildEvent(
            provider: .github, repository: repository, branch: trigger == .tag ? nil : run.headBranch, tag: tag,
            sha: run.headSha, trigger: trigger, pullRequest: pullRequest,
            conclusion: Self.conclusion(run.conclusion), buildID: String(run.id), attempt: run.runAttempt ?? 1,
            buildURL: run.htmlUrl, artifactSource: .githubRun(repository: repository, runID: run.id),
            commitMessage: run.headCommit?.message, commitTimestamp: run.headCommit?.timestamp)
        event.baseBranch = ownPullRequest?.base?.ref
        return event
    }

    static func conclusion(_ text: String?) -> BuildEvent.Conclusion {
        switch text {
        case "success": .success
        case "failure", "timed_out", "startup_failure": .failure
        case "cancelled": .cancelled
        case "skipped": .skipped
        default: .other
        }
    }

    /// Says which JSON field was wrong, spelled as on the wire (`workflow_run.head_sha`).
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { key in
                key.intValue.map(String.init) ?? key.stringValue.reduce(into: "") { out, c in
                    if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
                }
            }.joined(separator: ".")
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field \(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not valid JSON" : "field \(path(context.codingPath)) is invalid"
        @unknown default:
            return "\(error)"
        }
    }

    // The payload types spell their keys out, and are decoded with `JSONDecoder.plain`: converting
    // every key from snake_case was a measurable part of each webhook's cost (docs/benchmarks.md).
    struct Payload: Decodable {
        var action: String
        var workflowRun: WorkflowRun
        var repository: Repository

        /// In the order of the fields: the first missing one is the one an error names.
        enum CodingKeys: String, CodingKey {
            case action
            case workflowRun = "workflow_run"
            case repository
        }
    }

    struct WorkflowRun: Decodable {
        var id: Int64
        var event: String
        var headBranch: String?
        var headSha: String
        var conclusion: String?
        var runAttempt: Int?
        var htmlUrl: String?
        var pullRequests: [PullRequest]?
        var headCommit: HeadCommit?
        /// `queued`, `in_progress`, `completed`… (run listings filter on it).
        var status: String?
        /// When the run last changed: for a completed run, about when it finished.
        var updatedAt: Date?
        /// The run's repository (in listings; the webhook has it beside the run).
        var repository: Repository?

        enum CodingKeys: String, CodingKey {
            case id, event
            case headBranch = "head_branch", headSha = "head_sha"
            case conclusion
            case runAttempt = "run_attempt", htmlUrl = "html_url", pullRequests = "pull_requests", headCommit = "head_commit"
            case status
            case updatedAt = "updated_at"
            case repository
        }
    }

    struct PullRequest: Decodable {
        var number: Int
        var base: Ref?
        struct Ref: Decodable {
            var ref: String?
            var repo: Repo?
            struct Repo: Decodable { var id: Int64? }
        }
    }

    struct HeadCommit: Decodable {
        var message: String?
        var timestamp: Date?
    }

    struct Repository: Decodable {
        var id: Int64?
        var fullName: String

        enum CodingKeys: String, CodingKey {
            case id
            case fullName = "full_name"
        }
    }
}

extension JSONDecoder {
    /// Keys as the types spell them, ISO 8601 dates. A new decoder each time: a shared one would
    /// make concurrent webhooks take turns on its options lock.
    static var plain: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// snake_case keys, ISO 8601 dates (what GitHub and most CI APIs send).
    static var gitHub: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
