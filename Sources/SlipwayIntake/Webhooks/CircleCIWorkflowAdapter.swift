package import Foundation
package import SlipwayCore

/// CircleCI outbound webhooks (`circleci-event-type: workflow-completed`).
///
/// Verified with `circleci-signature: v1=<hex HMAC-SHA256 of the body>`; only `v1` entries count, so a
/// sender cannot downgrade to an older scheme. No timestamp is signed: replays are caught by the
/// body `id`, the delivery id CircleCI keeps when it retries.
///
/// Two payload shapes exist: GitHub OAuth and Bitbucket Cloud projects carry `pipeline.vcs`; GitLab,
/// GitHub App and Bitbucket Data Center projects carry `pipeline.trigger_parameters` instead. Both are
/// read. The payload has no pull request number, so builds are `push` (or `tag`) builds.
package struct CircleCIWorkflowAdapter: WebhookAdapter {
    package let secret: Secret
    package var provider: BuildEvent.Provider { .circleci }

    package init(secret: Secret) {
        self.secret = secret
    }

    package func receive(_ request: WebhookRequest, now: Date) throws(WebhookError) -> WebhookIntake {
        guard let header = request.header("circleci-signature"), !header.isEmpty else {
            throw .unauthorized("missing circleci-signature header: set a signing secret on the CircleCI webhook")
        }
        let v1 = header.split(separator: ",").compactMap { part -> String? in
            let text = part.trimmingCharacters(in: .whitespaces)
            return text.hasPrefix("v1=") ? String(text.dropFirst(3)) : nil
        }
        guard !v1.isEmpty else {
            throw .unauthorized("circleci-signature has no v1=<hex> entry")
        }
        guard v1.contains(where: { WebhookSignature.hexHMACMatches($0, message: request.body, secret: secret) }) else {
            throw .unauthorized("circleci-signature does not match the body: the signing secret differs from sources.circleci.webhook_secret")
        }
        let payload: Payload
        do {
            payload = try JSONDecoder.gitHub.decode(Payload.self, from: request.body)
        } catch {
            throw .malformed("body is not the JSON CircleCI sends: \(GitHubWorkflowRunAdapter.describe(error))")
        }
        let deliveryID = payload.id
        let eventType = request.header("circleci-event-type") ?? payload.type
        guard eventType == "workflow-completed" else {
            return .ignored(deliveryID: deliveryID, reason: "event \(eventType) is not used; subscribe the webhook to \"Workflow completed\" only")
        }
        guard let workflow = payload.workflow, let pipeline = payload.pipeline, let project = payload.project else {
            throw .malformed("workflow-completed body lacks workflow, pipeline or project")
        }
        switch workflow.status {
        case "success":
            break
        case "failed", "error", "canceled", "unauthorized":
            return .ignored(deliveryID: deliveryID, reason: "workflow \(workflow.name ?? workflow.id) finished \(workflow.status); only successful workflows are delivered")
        default:
            return .ignored(deliveryID: deliveryID, reason: "workflow \(workflow.name ?? workflow.id) is \(workflow.status), not final")
        }
        return .build(deliveryID: deliveryID, event: try Self.event(workflow: workflow, pipeline: pipeline, projectSlug: project.slug))
    }

    /// The build a successful workflow stands for: the webhook and reconciliation (which lists a
    /// project's pipelines and their workflows through API v2, same `vcs` object) both make it here.
    static func event(workflow: Workflow, pipeline: Pipeline, projectSlug: String) throws(WebhookError) -> BuildEvent {
        let vcs = pipeline.vcs
        let git = pipeline.triggerParameters?.git
        let gitlab = pipeline.triggerParameters?.gitlab
        guard let sha = vcs?.revision ?? git?.checkoutSha ?? gitlab?.commitSha, !sha.isEmpty else {
            throw .malformed("neither pipeline.vcs.revision nor pipeline.trigger_parameters.git.checkout_sha is present")
        }
        let remotes = [
            vcs?.targetRepositoryUrl, vcs?.originRepositoryUrl, gitlab?.webUrl, git?.repoUrl,
            pipeline.triggerParameters?.githubApp?.webUrl,
        ]
        let repository = remotes.compactMap { $0.flatMap(GitRemote.repositoryPath) }.first ?? projectSlug
        let tag = (vcs?.tag ?? git?.tag).flatMap { $0.isEmpty ? nil : $0 }
        var branch = vcs?.branch ?? git?.branch ?? gitlab?.branch
        if branch == nil, let ref = git?.ref, ref.hasPrefix("refs/heads/") { branch = String(ref.dropFirst(11)) }
        return BuildEvent(
            provider: .circleci, repository: repository, branch: tag != nil ? nil : branch, tag: tag, sha: sha,
            trigger: tag != nil ? .tag : .push, conclusion: .success, buildID: workflow.id, buildURL: workflow.url,
            artifactSource: .circleciWorkflow(projectSlug: projectSlug, workflowID: workflow.id),
            commitMessage: vcs?.commit?.subject)
    }
    /// An open map: unknown fields are ignored, everything but `id` and `type` is optional so other
    /// event types still decode far enough to be acknowledged.
    struct Payload: Decodable {
        var id: String
        var type: String
        var project: Project?
        var workflow: Workflow?
        var pipeline: Pipeline?
    }

    struct Project: Decodable {
        var slug: String
    }

    struct Workflow: Decodable {
        var id: String
        var name: String?
        var status: String
        var url: String?
    }

    struct Pipeline: Decodable {
        var vcs: VCS?
        var triggerParameters: TriggerParameters?
    }

    struct VCS: Decodable {
        var targetRepositoryUrl: String?
        var originRepositoryUrl: String?
        var revision: String?
        var branch: String?
        var tag: String?
        var commit: Commit?
        struct Commit: Decodable { var subject: String? }
    }

    struct TriggerParameters: Decodable {
        var git: Git?
        var gitlab: GitLab?
        var githubApp: GitHubApp?

        struct Git: Decodable {
            var checkoutSha: String?
            var branch: String?
            var ref: String?
            var tag: String?
            var repoUrl: String?
        }

        struct GitLab: Decodable {
            var webUrl: String?
            var commitSha: String?
            var branch: String?
        }

        struct GitHubApp: Decodable {
            var webUrl: String?
        }
    }
}
