package import Foundation
package import SlipwayCore

/// GitLab "Pipeline events" webhooks (project or group hooks, gitlab.com or self-managed).
///
/// Verified with `X-Gitlab-Token` (a plain shared secret, compared in constant time) or, when a
/// GitLab ≥ 19 signing token is configured, with the Standard Webhooks `webhook-signature`.
/// De-duplicated by `Idempotency-Key`, which GitLab keeps on retries and "Resend request";
/// older GitLab versions without it fall back to `X-Gitlab-Event-UUID`.
///
/// The hook fires on every status change of a pipeline; only `success` becomes a build, every other
/// state is acknowledged with 200 (GitLab disables hooks that keep getting 4xx).
package struct GitLabPipelineAdapter: WebhookAdapter {
    package let webhookToken: Secret
    package let signingToken: Secret?
    package let tolerance: TimeInterval
    package var provider: BuildEvent.Provider { .gitlab }

    package init(webhookToken: Secret, signingToken: Secret? = nil, tolerance: TimeInterval = 300) {
        self.webhookToken = webhookToken
        self.signingToken = signingToken
        self.tolerance = tolerance
    }

    package func receive(_ request: WebhookRequest, now: Date) throws(WebhookError) -> WebhookIntake {
        try verify(request, now: now)
        let deliveryID = [request.header("idempotency-key"), request.header("webhook-id"), request.header("x-gitlab-event-uuid")]
            .compactMap { $0 }.first { !$0.isEmpty }
        guard let deliveryID else {
            throw .malformed("missing Idempotency-Key and X-Gitlab-Event-UUID headers: is the caller really GitLab?")
        }
        let eventName = request.header("x-gitlab-event") ?? ""
        guard eventName == "Pipeline Hook" else {
            return .ignored(
                deliveryID: deliveryID,
                reason: "event \(eventName.isEmpty ? "(no X-Gitlab-Event)" : eventName) is not used; tick only \"Pipeline events\" on the GitLab webhook")
        }
        let payload: Payload
        do {
            payload = try JSONDecoder.gitHub.decode(Payload.self, from: request.body)
        } catch {
            throw .malformed("pipeline hook body is not the JSON GitLab sends: \(GitHubWorkflowRunAdapter.describe(error))")
        }
        guard payload.objectKind == "pipeline" else {
            return .ignored(deliveryID: deliveryID, reason: "object_kind \(payload.objectKind) is not used; send pipeline events")
        }
        let pipeline = payload.objectAttributes
        switch pipeline.status {
        case "success":
            break
        case "failed", "canceled", "skipped":
            return .ignored(deliveryID: deliveryID, reason: "pipeline \(pipeline.id) finished with status \(pipeline.status); only successful pipelines are delivered")
        default:
            return .ignored(deliveryID: deliveryID, reason: "pipeline \(pipeline.id) is \(pipeline.status), not final; waiting for success")
        }
        var jobs: [String: Int64] = [:]
        for build in payload.builds ?? [] where build.status == "success" {
            jobs[build.name] = build.id
        }
        let event = Self.event(
            pipeline: pipeline, project: payload.project, mergeRequest: payload.mergeRequest, commit: payload.commit, jobs: jobs)
        return .build(deliveryID: deliveryID, event: event)
    }

    /// The build a successful pipeline stands for. The hook and reconciliation (which reads the
    /// same facts from the pipelines, jobs, merge request and commit APIs) both make it here.
    /// `jobs`: the pipeline's successful jobs, name → id.
    static func event(
        pipeline: Pipeline, project: Project, mergeRequest: MergeRequest?, commit: Commit?, jobs: [String: Int64]
    ) -> BuildEvent {
        let trigger: BuildEvent.Trigger
        var branch: String? = pipeline.ref
        var tag: String?
        if pipeline.tag == true {
            trigger = .tag
            tag = pipeline.ref
            branch = nil
        } else if let mergeRequest {
            // Older GitLab sends refs/merge-requests/N/head as the ref of MR pipelines: route on the MR's branch.
            trigger = .pullRequest
            branch = mergeRequest.sourceBranch ?? pipeline.ref
        } else {
            trigger = .push
        }
        let url = pipeline.url ?? project.webUrl.map { "\($0)/-/pipelines/\(pipeline.id)" }
        var event = BuildEvent(
            provider: .gitlab, repository: project.pathWithNamespace, branch: branch, tag: tag, sha: pipeline.sha,
            trigger: trigger, pullRequest: mergeRequest?.iid, conclusion: .success, buildID: String(pipeline.id),
            buildURL: url,
            artifactSource: .gitlabPipeline(project: String(project.id), pipelineID: pipeline.id, jobs: jobs),
            commitMessage: commit?.message,
            commitTimestamp: commit?.timestamp.flatMap(Self.date))
        event.baseBranch = mergeRequest?.targetBranch
        return event
    }

    /// GitLab's ISO 8601 times, with or without fractional seconds (`2016-08-12T17:23:21.000+02:00`).
    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// A signed call is checked against the signing token; otherwise the plain token must match.
    /// Once a signing token is configured, unsigned calls are refused (no downgrade to the plain token).
    private func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        if let signingToken {
            try WebhookSignature.verifyStandardWebhook(
                id: request.header("webhook-id"), timestamp: request.header("webhook-timestamp"),
                signatures: request.header("webhook-signature"), body: request.body, secret: signingToken,
                tolerance: tolerance, now: now)
            return
        }
        guard let token = request.header("x-gitlab-token"), !token.isEmpty else {
            throw .unauthorized("missing X-Gitlab-Token header: set \"Secret token\" on the GitLab webhook to sources.gitlab.webhook_token")
        }
        guard WebhookSignature.plainTokenMatches(token, webhookToken) else {
            throw .unauthorized("X-Gitlab-Token does not match sources.gitlab.webhook_token")
        }
    }

    struct Payload: Decodable {
        var objectKind: String
        var objectAttributes: Pipeline
        var mergeRequest: MergeRequest?
        var project: Project
        var commit: Commit?
        var builds: [Job]?
    }

    struct Pipeline: Decodable {
        var id: Int64
        var ref: String?
        var tag: Bool?
        var sha: String
        var status: String
        var url: String?
    }

    struct MergeRequest: Decodable {
        var iid: Int
        var sourceBranch: String?
        var targetBranch: String?
    }

    struct Project: Decodable {
        var id: Int64
        var pathWithNamespace: String
        var webUrl: String?
    }

    struct Commit: Decodable {
        var message: String?
        /// ISO 8601 with an offset (`2016-08-12T17:23:21+02:00`); kept as text so an odd format never rejects the hook.
        var timestamp: String?
    }

    struct Job: Decodable {
        var id: Int64
        var name: String
        var status: String
    }
}
