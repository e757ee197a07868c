package import Foundation
package import SlipwayCore

/// Buildkite webhook notifications (`X-Buildkite-Event: build.finished`).
///
/// Verified with either `X-Buildkite-Token` (the token in plain text) or `X-Buildkite-Signature:
/// timestamp=T,signature=<hex HMAC-SHA256 of "T.body">` keyed by the same token, whose timestamp must
/// lie within `tolerance` of now. Buildkite sends no delivery id, so the build's UUID is the delivery id.
///
/// A build waiting at a block step reports `build.finished` with `blocked: true` and the state it
/// reached (often `passed`): it is not finished for Slipway and is ignored.
package struct BuildkiteBuildAdapter: WebhookAdapter {
    package let token: Secret
    package let tolerance: TimeInterval
    package var provider: BuildEvent.Provider { .buildkite }

    package init(token: Secret, tolerance: TimeInterval = 300) {
        self.token = token
        self.tolerance = tolerance
    }

    package func receive(_ request: WebhookRequest, now: Date) throws(WebhookError) -> WebhookIntake {
        try verify(request, now: now)
        let eventName = request.header("x-buildkite-event") ?? ""
        if eventName == "ping" {
            return .ignored(deliveryID: nil, reason: "ping received: the webhook is wired up")
        }
        let payload: Payload
        do {
            payload = try JSONDecoder.gitHub.decode(Payload.self, from: request.body)
        } catch {
            throw .malformed("body is not the JSON Buildkite sends: \(GitHubWorkflowRunAdapter.describe(error))")
        }
        let build = payload.build
        let deliveryID = build.id
        guard eventName == "build.finished" else {
            return .ignored(
                deliveryID: deliveryID,
                reason: "event \(eventName.isEmpty ? "(no X-Buildkite-Event)" : eventName) is not used; select only build.finished")
        }
        if build.blocked == true {
            return .ignored(deliveryID: deliveryID, reason: "build \(build.number) is blocked at a block step (state \(build.state)); it is delivered once it finishes")
        }
        guard build.state == "passed" else {
            return .ignored(deliveryID: deliveryID, reason: "build \(build.number) finished \(build.state); only passed builds are delivered")
        }
        guard let organization = Self.organization(payload) else {
            throw .malformed("cannot tell the Buildkite organization: pipeline.url, build.url and build.web_url are all missing")
        }
        return .build(deliveryID: deliveryID, event: Self.event(build: build, pipeline: payload.pipeline, organization: organization))
    }

    /// The build a passed Buildkite build stands for: the webhook and reconciliation (whose REST
    /// listing carries the same `build` object, its `pipeline` inside) both make it here.
    static func event(build: Build, pipeline: Pipeline, organization: String) -> BuildEvent {
        let pipelineSlug = pipeline.slug
        let repository = pipeline.repository.flatMap(GitRemote.repositoryPath) ?? "\(organization)/\(pipelineSlug)"
        let tag = build.tag.flatMap { $0.isEmpty ? nil : $0 }
        let pullRequest = build.pullRequest?.id.flatMap { Int($0) }
        let trigger: BuildEvent.Trigger = tag != nil ? .tag : pullRequest != nil ? .pullRequest : .push
        return BuildEvent(
            provider: .buildkite, repository: repository, branch: tag != nil ? nil : build.branch, tag: tag,
            sha: build.commit, trigger: trigger, pullRequest: pullRequest, conclusion: .success, buildID: build.id,
            buildURL: build.webUrl,
            artifactSource: .buildkiteBuild(organization: organization, pipeline: pipelineSlug, number: build.number),
            commitMessage: build.message)
    }

    private func verify(_ request: WebhookRequest, now: Date) throws(WebhookError) {
        if let header = request.header("x-buildkite-signature") {
            var timestamp: String?
            var signature: String?
            for part in header.split(separator: ",") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { continue }
                if pair[0] == "timestamp" { timestamp = pair[1] }
                if pair[0] == "signature" { signature = pair[1] }
            }
            guard let timestamp, let seconds = Int64(timestamp), let signature else {
                throw .unauthorized("X-Buildkite-Signature is not of the form timestamp=<unix seconds>,signature=<hex>")
            }
            let skew = now.timeIntervalSince1970 - TimeInterval(seconds)
            guard abs(skew) <= tolerance else {
                throw .unauthorized(
                    "X-Buildkite-Signature timestamp is \(Int(abs(skew))) s \(skew > 0 ? "old" : "in the future"), outside the \(Int(tolerance)) s window: a replayed call, or a clock is wrong")
            }
            var signed = Data("\(timestamp).".utf8)
            signed.append(request.body)
            guard WebhookSignature.hexHMACMatches(signature, message: signed, secret: token) else {
                throw .unauthorized("X-Buildkite-Signature does not match the body: the webhook token differs from sources.buildkite.webhook_token")
            }
            return
        }
        guard let plain = request.header("x-buildkite-token"), !plain.isEmpty else {
            throw .unauthorized("missing X-Buildkite-Token or X-Buildkite-Signature header: set the webhook's token to sources.buildkite.webhook_token")
        }
        guard WebhookSignature.plainTokenMatches(plain, token) else {
            throw .unauthorized("X-Buildkite-Token does not match sources.buildkite.webhook_token")
        }
    }

    /// The organization slug, from the API URL of the pipeline or build, else from the build's web URL.
    static func organization(_ payload: Payload) -> String? {
        for api in [payload.pipeline.url, payload.build.url].compactMap({ $0 }) {
            let parts = api.split(separator: "/").map(String.init)
            if let index = parts.firstIndex(of: "organizations"), index + 1 < parts.count { return parts[index + 1] }
        }
        guard let web = payload.build.webUrl, let url = URL(string: web) else { return nil }
        return url.path.split(separator: "/").first.map(String.init)
    }
    struct Payload: Decodable {
        var build: Build
        var pipeline: Pipeline
    }

    struct Build: Decodable {
        var id: String
        var number: Int
        var state: String
        var blocked: Bool?
        var commit: String
        var branch: String?
        var tag: String?
        var message: String?
        var url: String?
        var webUrl: String?
        var pullRequest: PullRequest?
    }

    /// `{}` or null for branch builds; `id` is a string in Buildkite's examples, a number is accepted too.
    struct PullRequest: Decodable {
        var id: String?
        enum CodingKeys: String, CodingKey { case id }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try? container.decodeIfPresent(String.self, forKey: .id) {
                id = text
            } else {
                id = (try? container.decodeIfPresent(Int.self, forKey: .id)).flatMap { $0.map(String.init) }
            }
        }
    }

    struct Pipeline: Decodable {
        var slug: String
        var url: String?
        var repository: String?
    }
}
