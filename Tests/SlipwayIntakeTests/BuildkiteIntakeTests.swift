import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import SlipwayFakes
import SlipwayHTTP
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

@Suite("Buildkite build.finished hooks and artifacts")
struct BuildkiteIntakeTests {
    static let hookToken = "bk-secret"
    static let apiToken = "bkua_api_token"
    let adapter = BuildkiteBuildAdapter(token: Secret(Self.hookToken))
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func receive(_ delivery: (headers: [String: String], body: Data)) throws(WebhookError) -> WebhookIntake {
        try adapter.receive(WebhookRequest(headers: delivery.headers, body: delivery.body), now: now)
    }

    @Test func theDocumentedSignatureVectorVerifies() {
        let body = Data(#"{"event":"ping"}"#.utf8)
        #expect(FakeBuildkiteHook.signature(body: body, token: "bk-secret", timestamp: 1_619_071_700)
            == "41d8d0bccbb28971abf3b92dd9cbfab0795b215e690413e07a7754130660fcc0")
    }

    @Test(arguments: [true, false])
    func aPassedBuildBecomesABuildKeyedByTheBuildID(signed: Bool) throws {
        let auth: FakeBuildkiteHook.Authentication =
            signed ? .signature(token: Self.hookToken, timestamp: 1_700_000_000 - 30) : .token(Self.hookToken)
        let intake = try receive(FakeBuildkiteHook.buildFinished(auth, pullRequestID: "123"))
        guard case .build(let deliveryID, let event) = intake else { Issue.record("expected a build, got \(intake)"); return }
        #expect(deliveryID == "f62a1b4d-10f9-4790-bc1c-e2c3a0c80983")
        #expect(event.provider == .buildkite)
        #expect(event.repository == "my-org/my-app")
        #expect(event.branch == "main")
        #expect(event.sha == "abcd0b72a1e580e90712cdd9eb26d3fb41cd09c8")
        #expect(event.trigger == .pullRequest)
        #expect(event.pullRequest == 123)
        #expect(event.buildID == "f62a1b4d-10f9-4790-bc1c-e2c3a0c80983")
        #expect(event.buildURL == "https://buildkite.com/my-org/my-pipeline/builds/2")
        #expect(event.artifactSource == .buildkiteBuild(organization: "my-org", pipeline: "my-pipeline", number: 2))
    }

    @Test func aWrongTokenOrSignatureIsUnauthorized() {
        #expect(throws: WebhookError.self) { try receive(FakeBuildkiteHook.buildFinished(.token("guess"))) }
        #expect(throws: WebhookError.self) {
            try receive(FakeBuildkiteHook.buildFinished(.signature(token: "guess", timestamp: 1_700_000_000)))
        }
        #expect(throws: WebhookError.self) { try receive(FakeBuildkiteHook.buildFinished(.none)) }
    }

    @Test func aStaleSignatureTimestampIsUnauthorized() {
        #expect {
            try receive(FakeBuildkiteHook.buildFinished(.signature(token: Self.hookToken, timestamp: 1_700_000_000 - 301)))
        } throws: { error in
            guard case .unauthorized(let reason) = error as? WebhookError else { return false }
            return reason.contains("old")
        }
    }

    @Test func aBlockedBuildThatReportsPassedIsIgnored() throws {
        let intake = try receive(FakeBuildkiteHook.buildFinished(.token(Self.hookToken), blocked: true))
        guard case .ignored(_, let reason) = intake else { Issue.record("expected ignored, got \(intake)"); return }
        #expect(reason.contains("blocked"))
    }

    @Test(arguments: ["failed", "canceled", "not_run"])
    func unsuccessfulBuildsAreIgnored(state: String) throws {
        guard case .ignored(_, let reason) = try receive(FakeBuildkiteHook.buildFinished(.token(Self.hookToken), state: state))
        else { Issue.record("expected ignored"); return }
        #expect(reason.contains(state))
    }

    @Test func otherEventsAreIgnored() throws {
        guard case .ignored(_, let reason) = try receive(FakeBuildkiteHook.buildFinished(.token(Self.hookToken), event: "build.running"))
        else { Issue.record("expected ignored"); return }
        #expect(reason.contains("build.running"))
    }

    // MARK: Artifacts over loopback

    static let apk = Data((0..<90_000).map { UInt8(truncatingIfNeeded: $0 &* 3 &+ 7) })

    func fetch(_ buildkite: FakeBuildkite, token: String = BuildkiteIntakeTests.apiToken, pattern: String) async throws -> Result<Artifact, ArtifactFetchError> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("buildkite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let client = OutboundHTTP.makeSharedClient()
        let result = try await buildkite.run { api -> Result<Artifact, ArtifactFetchError> in
            let fetcher = ArtifactFetcher(
                httpClient: client, gitHubAPIURL: "http://127.0.0.1:1", gitHubToken: nil, allowedHosts: [],
                logger: Logger(label: "test"), ci: .init(buildkite: .init(apiURL: api, token: Secret(token))), network: ArtifactFetcherTests.loopback)
            do {
                return .success(try await fetcher.fetch(
                    .buildkiteBuild(organization: "my-org", pipeline: "my-pipeline", number: 2),
                    selecting: ArtifactSelector(pattern: try Glob(pattern), kind: nil), into: folder))
            } catch let error as ArtifactFetchError {
                return .failure(error)
            }
        }
        try await client.shutdown()
        return result
    }

    @Test func theSelectedArtifactIsDownloadedThroughTheRedirectWithoutTheToken() async throws {
        let buildkite = FakeBuildkite(token: Self.apiToken)
        await buildkite.addBuild(
            organization: "my-org", pipeline: "my-pipeline", number: 2,
            files: ["app/build/outputs/apk/release/app-release.apk": Self.apk, "logs/build.log": Data("l".utf8)])
        let artifact = try await fetch(buildkite, pattern: "**/*.apk").get()
        #expect(artifact.name == "app/build/outputs/apk/release/app-release.apk")
        #expect(artifact.sha256 == SHA256.hash(data: Self.apk).map { String(format: "%02x", $0) }.joined())
        #expect(await buildkite.storageRequestsWithAuthorization == 0)
        #expect(await buildkite.storageDownloads == 1)
    }

    @Test func aRejectedTokenIsExplainedWithoutRevealingIt() async throws {
        let buildkite = FakeBuildkite(token: Self.apiToken)
        await buildkite.addBuild(organization: "my-org", pipeline: "my-pipeline", number: 2, files: ["app.apk": Self.apk])
        guard case .failure(let error) = try await fetch(buildkite, token: "bkua_WRONG", pattern: "*.apk") else {
            Issue.record("expected a failure"); return
        }
        #expect(error.description.contains("401"))
        #expect(error.description.contains("sources.buildkite.token"))
        #expect(!error.description.contains("bkua_WRONG"))
    }
}
