import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import SlipwayFakes
import SlipwayHTTP
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

@Suite("GitLab pipeline hooks and job artifacts")
struct GitLabIntakeTests {
    static let hookToken = "gl-hook-token"
    static let apiToken = "glpat-api-token-123"
    let adapter = GitLabPipelineAdapter(webhookToken: Secret(Self.hookToken))

    func receive(_ delivery: (headers: [String: String], body: Data), adapter: GitLabPipelineAdapter? = nil) throws(WebhookError) -> WebhookIntake {
        try (adapter ?? self.adapter).receive(WebhookRequest(headers: delivery.headers, body: delivery.body), now: Date())
    }

    @Test func aSuccessfulPipelineBecomesABuildKeyedByItsIdempotencyKey() throws {
        let intake = try receive(FakeGitLabHook.pipeline(token: Self.hookToken, idempotencyKey: "key-1"))
        guard case .build(let deliveryID, let event) = intake else { Issue.record("expected a build, got \(intake)"); return }
        #expect(deliveryID == "key-1")
        #expect(event.provider == .gitlab)
        #expect(event.repository == "gitlab-org/gitlab-test")
        #expect(event.branch == "main")
        #expect(event.sha == "bcbb5ec396a2c0f828686f14fac9b80b780504f2")
        #expect(event.trigger == .push)
        #expect(event.pullRequest == nil)
        #expect(event.conclusion == .success)
        #expect(event.buildID == "31")
        #expect(event.buildURL == "http://example.com/gitlab-org/gitlab-test/-/pipelines/31")
        #expect(event.artifactSource == .gitlabPipeline(project: "1", pipelineID: 31, jobs: ["assemble-release": 377]))
        #expect(event.commitMessage == "Ship it\n")
        #expect(event.commitTimestamp != nil)
    }

    @Test func aMergeRequestPipelineCarriesTheIIDAndTheSourceBranch() throws {
        let intake = try receive(FakeGitLabHook.pipeline(token: Self.hookToken, ref: "refs/merge-requests/7/head", mergeRequestIID: 7))
        guard case .build(_, let event) = intake else { Issue.record("expected a build"); return }
        #expect(event.pullRequest == 7)
        #expect(event.trigger == .pullRequest)
        #expect(event.branch == "feature/login")
    }

    @Test func withoutAnIdempotencyKeyTheEventUUIDIsTheDeliveryID() throws {
        var delivery = FakeGitLabHook.pipeline(token: Self.hookToken)
        delivery.headers["Idempotency-Key"] = nil
        delivery.headers["X-Gitlab-Event-UUID"] = "event-uuid-9"
        guard case .build(let deliveryID, _) = try receive(delivery) else { Issue.record("expected a build"); return }
        #expect(deliveryID == "event-uuid-9")
    }

    @Test func aWrongOrMissingTokenIsUnauthorized() {
        #expect(throws: WebhookError.unauthorized("X-Gitlab-Token does not match sources.gitlab.webhook_token")) {
            try receive(FakeGitLabHook.pipeline(token: "guess"))
        }
        #expect {
            try receive(FakeGitLabHook.pipeline(token: nil))
        } throws: { error in
            guard case .unauthorized(let reason) = error as? WebhookError else { return false }
            return reason.contains("missing X-Gitlab-Token")
        }
    }

    @Test func withASigningTokenOnlyAValidStandardWebhookSignaturePasses() throws {
        let signing = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signed = GitLabPipelineAdapter(webhookToken: Secret(Self.hookToken), signingToken: signing)
        var delivery = FakeGitLabHook.pipeline(token: Self.hookToken, idempotencyKey: "msg_1")
        let now = Int64(Date().timeIntervalSince1970)
        delivery.headers["webhook-id"] = "msg_1"
        delivery.headers["webhook-timestamp"] = String(now)
        delivery.headers["webhook-signature"] = WebhookSignature.standardWebhookSignature(
            id: "msg_1", timestamp: now, body: delivery.body, secret: signing)
        guard case .build = try receive(delivery, adapter: signed) else { Issue.record("expected a build"); return }

        // The plain token alone no longer suffices once signing is configured.
        #expect(throws: WebhookError.self) { try receive(FakeGitLabHook.pipeline(token: Self.hookToken), adapter: signed) }
    }

    @Test(arguments: ["running", "pending", "failed", "canceled"])
    func nonFinalOrUnsuccessfulPipelinesAreIgnoredWithAReason(status: String) throws {
        let intake = try receive(FakeGitLabHook.pipeline(token: Self.hookToken, idempotencyKey: "k", status: status))
        guard case .ignored(let deliveryID, let reason) = intake else { Issue.record("expected ignored, got \(intake)"); return }
        #expect(deliveryID == "k")
        #expect(reason.contains(status))
    }

    @Test func otherEventTypesAreIgnored() throws {
        var delivery = FakeGitLabHook.pipeline(token: Self.hookToken)
        delivery.headers["X-Gitlab-Event"] = "Push Hook"
        guard case .ignored(_, let reason) = try receive(delivery) else { Issue.record("expected ignored"); return }
        #expect(reason.contains("Push Hook"))
    }

    // MARK: Artifacts over loopback

    static let apk = Data((0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) })

    func withFetcher<T: Sendable>(
        _ gitlab: FakeGitLab, token: String = GitLabIntakeTests.apiToken, body: (ArtifactFetcher, URL) async throws -> T
    ) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gitlab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let client = OutboundHTTP.makeSharedClient()
        do {
            let result = try await gitlab.run { api in
                let fetcher = ArtifactFetcher(
                    httpClient: client, gitHubAPIURL: "http://127.0.0.1:1", gitHubToken: nil, allowedHosts: [],
                    logger: Logger(label: "test"),
                    ci: .init(gitlab: .init(apiURL: api, token: Secret(token))), network: ArtifactFetcherTests.loopback)
                return try await body(fetcher, folder)
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func theSelectedJobsZipIsDownloadedAndTheAPKExtractedWithItsSHA256() async throws {
        let gitlab = FakeGitLab(token: Self.apiToken)
        await gitlab.addJobArtifacts(project: 1, jobID: 377, files: ["app/build/outputs/apk/release/app-release.apk": Self.apk])
        await gitlab.addJobArtifacts(project: 1, jobID: 378, files: ["report.xml": Data("x".utf8)])
        let artifact = try await withFetcher(gitlab) { fetcher, folder in
            try await fetcher.fetch(
                .gitlabPipeline(project: "1", pipelineID: 31, jobs: ["assemble-release": 377, "lint": 378]),
                selecting: ArtifactSelector(pattern: try Glob("assemble-release/**/*.apk"), kind: nil), into: folder)
        }
        #expect(artifact.name == "assemble-release/app/build/outputs/apk/release/app-release.apk")
        #expect(artifact.sha256 == SHA256.hash(data: Self.apk).map { String(format: "%02x", $0) }.joined())
        #expect(artifact.size == Int64(Self.apk.count))
        #expect(await gitlab.requestLog == ["GET artifacts 1/377"], "only the job the pattern names is downloaded")
    }

    @Test func aRejectedTokenIsExplainedWithoutRevealingIt() async throws {
        let gitlab = FakeGitLab(token: Self.apiToken)
        await gitlab.addJobArtifacts(project: 1, jobID: 377, files: ["app.apk": Self.apk])
        let error = await withFetcherError(gitlab, token: "glpat-WRONG-secret")
        #expect(error?.description.contains("401") == true)
        #expect(error?.description.contains("sources.gitlab.token") == true)
        #expect(error?.description.contains("glpat-WRONG-secret") == false)
    }

    func withFetcherError(_ gitlab: FakeGitLab, token: String) async -> ArtifactFetchError? {
        do {
            return try await withFetcher(gitlab, token: token) { fetcher, folder -> ArtifactFetchError? in
                do {
                    _ = try await fetcher.fetch(
                        .gitlabPipeline(project: "1", pipelineID: 31, jobs: ["assemble-release": 377]),
                        selecting: ArtifactSelector(pattern: try Glob("**/*.apk"), kind: nil), into: folder)
                    return nil
                } catch let error as ArtifactFetchError {
                    return error
                }
            }
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }
}
