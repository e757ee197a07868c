package import Foundation
package import SlipwayCore

/// Bitrise outgoing webhooks (`Bitrise-Event-Type: build/finished`).
///
/// Bitrise has no signing scheme, so the webhook carries a shared secret in the custom header
/// `X-Slipway-Token` (compared in constant time). Bitrise delivers once and never retries; the
/// build slug is both the delivery id and the build id.
///
/// The payload names no commit SHA, no repository and no build URL. The repository comes from
/// `sources.bitrise.apps`; the build URL is `{app_url}/build/{slug}`; the SHA is taken from the payload
/// when a sender includes one (`git.commit_hash` or `commit_hash`) and is otherwise left **empty**:
/// the job resolves it with `ArtifactFetcher.bitriseBuild(app:slug:)` (`GET /apps/{app}/builds/{slug}`)
/// before reporting. The webhook handler never calls Bitrise itself: it must answer quickly.
package struct BitriseBuildAdapter: WebhookAdapter {
    package let secret: Secret
    package let appURL: String
    package let apps: [String: String]
    package var provider: BuildEvent.Provider { .bitrise }

    package init(secret: Secret, appURL: String = "https://app.bitrise.io", apps: [String: String] = [:]) {
        self.secret = secret
        self.appURL = appURL.hasSuffix("/") ? String(appURL.dropLast()) : appURL
        self.apps = apps
    }

    package func receive(_ request: WebhookRequest, now: Date) throws(WebhookError) -> WebhookIntake {
        guard let token = request.header("x-slipway-token"), !token.isEmpty else {
            throw .unauthorized("missing X-Slipway-Token header: add it under the Bitrise webhook's custom headers with sources.bitrise.webhook_secret")
        }
        guard WebhookSignature.plainTokenMatches(token, secret) else {
            throw .unauthorized("X-Slipway-Token does not match sources.bitrise.webhook_secret")
        }
        let payload: Payload
        do {
            payload = try JSONDecoder.gitHub.decode(Payload.self, from: request.body)
        } catch {
            throw .malformed("body is not the JSON Bitrise sends: \(GitHubWorkflowRunAdapter.describe(error))")
        }
        let deliveryID = payload.buildSlug
        let eventType = request.header("bitrise-event-type") ?? ""
        guard eventType == "build/finished" else {
            return .ignored(
                deliveryID: deliveryID,
                reason: "Bitrise-Event-Type \(eventType.isEmpty ? "(missing)" : eventType) is not used; only build/finished is")
        }
        switch payload.buildStatus {
        case 1: break
        case 0: return .ignored(deliveryID: deliveryID, reason: "build \(payload.buildSlug) has not finished (build_status 0)")
        case 2: return .ignored(deliveryID: deliveryID, reason: "build \(payload.buildSlug) failed; only successful builds are delivered")
        case 3, 4:
            return .ignored(deliveryID: deliveryID, reason: "build \(payload.buildSlug) was aborted (build_status \(payload.buildStatus)); only successful builds are delivered")
        default:
            return .ignored(deliveryID: deliveryID, reason: "build \(payload.buildSlug) has unknown build_status \(payload.buildStatus)")
        }
        guard let repository = Self.repository(app: payload.appSlug, apps: apps) else {
            return .ignored(deliveryID: deliveryID, reason: "app \(payload.appSlug) is not listed in sources.bitrise.apps")
        }
        let git = payload.git
        let event = Self.event(
            app: payload.appSlug, build: payload.buildSlug, repository: repository, branch: git?.srcBranch, tag: git?.tag,
            pullRequest: git?.pullRequestId?.value, sha: git?.commitHash ?? payload.commitHash, appURL: appURL)
        return .build(deliveryID: deliveryID, event: event)
    }

    /// The repository a build of `app` is routed as: its entry in `sources.bitrise.apps`, or the
    /// app slug when the map is empty; nil for an app the map leaves out.
    static func repository(app: String, apps: [String: String]) -> String? {
        apps.isEmpty ? app : apps[app]
    }

    /// The build a successful Bitrise build stands for: the webhook and reconciliation (which
    /// lists builds from `GET /apps/{app}/builds`) both make it here. An unknown `sha` stays empty
    /// for the job to resolve.
    static func event(
        app: String, build: String, repository: String, branch: String?, tag: String?, pullRequest: Int?, sha: String?,
        appURL: String
    ) -> BuildEvent {
        let tag = tag.flatMap { $0.isEmpty ? nil : $0 }
        let pullRequest = pullRequest.flatMap { $0 > 0 ? $0 : nil }
        let trigger: BuildEvent.Trigger = tag != nil ? .tag : pullRequest != nil ? .pullRequest : .push
        return BuildEvent(
            provider: .bitrise, repository: repository, branch: tag != nil ? nil : branch, tag: tag, sha: sha ?? "",
            trigger: trigger, pullRequest: pullRequest, conclusion: .success, buildID: build, buildURL: "\(appURL)/build/\(build)",
            artifactSource: .bitriseBuild(app: app, slug: build))
    }

    struct Payload: Decodable {
        var buildSlug: String
        var appSlug: String
        var buildStatus: Int
        var buildNumber: Int?
        var commitHash: String?
        var git: Git?
    }

    struct Git: Decodable {
        var srcBranch: String?
        var dstBranch: String?
        var pullRequestId: LenientInt?
        var tag: String?
        var commitHash: String?
    }

    /// `pull_request_id` is a number in Bitrise's samples (0 for non-PR builds) and a string in some
    /// senders' payloads; both are accepted.
    struct LenientInt: Decodable {
        var value: Int
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                value = number
            } else {
                value = Int(try container.decode(String.self)) ?? 0
            }
        }
    }
}
