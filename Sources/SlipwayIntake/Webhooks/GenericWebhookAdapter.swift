package import Foundation
package import SlipwayCore

/// The generic hook any CI can call with curl, signed the Standard Webhooks way.
///
/// Headers `webhook-id` (the delivery id, stable across retries), `webhook-timestamp` (unix seconds)
/// and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. Body:
///
/// ```json
/// {"type": "build.finished",
///  "data": {"repository": "acme/app", "branch": "main", "sha": "…", "event": "push", "pr": 12,
///           "status": "success", "run_id": "123", "run_url": "https://ci/…", "artifact_url": "https://ci/…/app.apk",
///           "artifact_sha256": "…64 hex…", "commit_message": "…", "commit_timestamp": "2026-11-22T10:00:00Z"}}
/// ```
package struct GenericWebhookAdapter: WebhookAdapter {
    package let secret: Secret
    package let tolerance: TimeInterval
    /// Hosts `artifact_url` may name; empty allows any.
    package let allowedArtifactHosts: [String]
    package var provider: BuildEvent.Provider { .generic }

    package init(secret: Secret, tolerance: TimeInterval = 300, allowedArtifactHosts: [String] = []) {
        self.secret = secret
        self.tolerance = tolerance
        self.allowedArtifactHosts = allowedArtifactHosts
    }

    package func receive(_ request: WebhookRequest, now: Date) throws(WebhookError) -> WebhookIntake {
        try WebhookSignature.verifyStandardWebhook(
            id: request.header("webhook-id"), timestamp: request.header("webhook-timestamp"),
            signatures: request.header("webhook-signature"), body: request.body, secret: secret,
            tolerance: tolerance, now: now)
        let deliveryID = request.header("webhook-id")!
        let envelope: Envelope
        do {
            envelope = try JSONDecoder.gitHub.decode(Envelope.self, from: request.body)
        } catch {
            throw .malformed("body is not a Slipway generic hook: \(GitHubWorkflowRunAdapter.describe(error)); see README \"Generic hook\"")
        }
        guard envelope.type == "build.finished" else {
            return .ignored(deliveryID: deliveryID, reason: "type \(envelope.type) is not used; send build.finished")
        }
        let data = envelope.data
        guard data.repository.contains("/") else {
            throw .malformed("data.repository must be OWNER/NAME, not \"\(data.repository)\"")
        }
        guard !data.sha.isEmpty else { throw .malformed("data.sha is empty") }
        guard let url = URL(string: data.artifactUrl), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = url.host?.lowercased()
        else {
            throw .malformed("data.artifact_url must be an http(s) URL")
        }
        if !allowedArtifactHosts.isEmpty && !allowedArtifactHosts.contains(host) {
            throw .malformed("data.artifact_url host \(host) is not in sources.generic.allowed_artifact_hosts")
        }
        let digest = data.artifactSha256?.lowercased()
        if let digest, digest.count != 64 || !digest.allSatisfy(\.isHexDigit) {
            throw .malformed("data.artifact_sha256 must be 64 hex digits (sha256sum's output), not \"\(digest.prefix(80))\"")
        }
        let trigger: BuildEvent.Trigger
        if let name = data.event {
            guard let parsed = BuildEvent.Trigger(rawValue: name) else {
                throw .malformed("data.event must be push, pull_request or tag, not \"\(name)\"")
            }
            trigger = parsed
        } else if data.tag != nil {
            trigger = .tag
        } else {
            trigger = data.pr == nil ? .push : .pullRequest
        }
        if trigger != .tag && (data.branch ?? "").isEmpty {
            throw .malformed("data.branch is required for \(trigger.rawValue) builds")
        }
        let conclusion = BuildEvent.Conclusion(rawValue: data.status ?? "success") ?? .other
        let event = BuildEvent(
            provider: .generic, repository: data.repository, branch: data.branch, tag: data.tag, sha: data.sha,
            trigger: trigger, pullRequest: data.pr, conclusion: conclusion, buildID: data.runId ?? deliveryID,
            attempt: data.runAttempt ?? 1, buildURL: data.runUrl, artifactSource: .url(data.artifactUrl),
            commitMessage: data.commitMessage, commitTimestamp: data.commitTimestamp, artifactSHA256: digest)
        return .build(deliveryID: deliveryID, event: event)
    }

    struct Envelope: Decodable {
        var type: String
        var data: BuildData
    }

    struct BuildData: Decodable {
        var repository: String
        var branch: String?
        var tag: String?
        var sha: String
        var event: String?
        var pr: Int?
        var status: String?
        var runId: String?
        var runAttempt: Int?
        var runUrl: String?
        var artifactUrl: String
        var artifactSha256: String?
        var commitMessage: String?
        var commitTimestamp: Date?
    }
}
