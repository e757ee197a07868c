import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import SlipwayFakes
import SlipwayHTTP
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

@Suite("Bitrise build/finished hooks, build details and artifacts")
struct BitriseIntakeTests {
    static let secret = "bitrise-shared-secret"
    static let apiToken = "bitrise-pat-123"
    let adapter = BitriseBuildAdapter(secret: Secret(Self.secret), apps: ["abcd1234": "acme/app"])

    func receive(_ delivery: (headers: [String: String], body: Data)) throws(WebhookError) -> WebhookIntake {
        try adapter.receive(WebhookRequest(headers: delivery.headers, body: delivery.body), now: Date())
    }

    @Test func aSuccessfulBuildBecomesABuildKeyedByItsSlugWithTheSHALeftForTheJob() throws {
        let intake = try receive(FakeBitriseHook.buildFinished(secret: Self.secret, pullRequestID: 32))
        guard case .build(let deliveryID, let event) = intake else { Issue.record("expected a build, got \(intake)"); return }
        #expect(deliveryID == "1234abcd")
        #expect(event.provider == .bitrise)
        #expect(event.repository == "acme/app")
        #expect(event.branch == "feature/branch")
        #expect(event.sha == "", "the payload has no SHA; the job resolves it")
        #expect(event.trigger == .pullRequest)
        #expect(event.pullRequest == 32)
        #expect(event.buildID == "1234abcd")
        #expect(event.buildURL == "https://app.bitrise.io/build/1234abcd")
        #expect(event.artifactSource == .bitriseBuild(app: "abcd1234", slug: "1234abcd"))
    }

    @Test func aPullRequestIDOfZeroIsAPush() throws {
        guard case .build(_, let event) = try receive(FakeBitriseHook.buildFinished(secret: Self.secret, pullRequestID: 0)) else {
            Issue.record("expected a build"); return
        }
        #expect(event.pullRequest == nil)
        #expect(event.trigger == .push)
    }

    @Test func aWrongOrMissingSecretHeaderIsUnauthorized() {
        #expect(throws: WebhookError.unauthorized("X-Slipway-Token does not match sources.bitrise.webhook_secret")) {
            try receive(FakeBitriseHook.buildFinished(secret: "nope"))
        }
        #expect(throws: WebhookError.self) { try receive(FakeBitriseHook.buildFinished(secret: nil)) }
    }

    @Test(arguments: [(0, "not finished"), (2, "failed"), (3, "aborted"), (4, "aborted")])
    func unfinishedFailedOrAbortedBuildsAreIgnored(status: Int, words: String) throws {
        let intake = try receive(FakeBitriseHook.buildFinished(secret: Self.secret, buildStatus: status))
        guard case .ignored(let deliveryID, let reason) = intake else { Issue.record("expected ignored, got \(intake)"); return }
        #expect(deliveryID == "1234abcd")
        #expect(reason.contains(words))
    }

    @Test func otherEventsAndUnlistedAppsAreIgnored() throws {
        guard case .ignored(_, let reason) = try receive(FakeBitriseHook.buildFinished(secret: Self.secret, event: "build/triggered"))
        else { Issue.record("expected ignored"); return }
        #expect(reason.contains("build/triggered"))
        guard case .ignored(_, let other) = try receive(FakeBitriseHook.buildFinished(secret: Self.secret, app: "other"))
        else { Issue.record("expected ignored"); return }
        #expect(other.contains("sources.bitrise.apps"))
    }

    // MARK: API over loopback

    static let apk = Data((0..<120_000).map { UInt8(truncatingIfNeeded: $0 &* 5 &+ 9) })

    func withFetcher<T: Sendable>(
        _ bitrise: FakeBitrise, token: String = BitriseIntakeTests.apiToken, body: (ArtifactFetcher, URL) async throws -> T
    ) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bitrise-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let client = OutboundHTTP.makeSharedClient()
        do {
            let result = try await bitrise.run { api in
                let fetcher = ArtifactFetcher(
                    httpClient: client, gitHubAPIURL: "http://127.0.0.1:1", gitHubToken: nil, allowedHosts: [],
                    logger: Logger(label: "test"), ci: .init(bitrise: .init(apiURL: api, token: Secret(token))), network: ArtifactFetcherTests.loopback)
                return try await body(fetcher, folder)
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func theJobFillsTheSHAFromTheBuildAPI() async throws {
        let bitrise = FakeBitrise(token: Self.apiToken)
        await bitrise.addBuild(app: "abcd1234", slug: "1234abcd", commitHash: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00", artifacts: [:])
        guard case .build(_, let event) = try receive(FakeBitriseHook.buildFinished(secret: Self.secret)) else {
            Issue.record("expected a build"); return
        }
        let completed = try await withFetcher(bitrise) { fetcher, _ in try await fetcher.completingBitriseEvent(event) }
        #expect(completed.sha == "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00")
    }

    @Test func theSelectedArtifactIsDownloadedFromItsExpiringURLWithItsSHA256() async throws {
        let bitrise = FakeBitrise(token: Self.apiToken)
        await bitrise.addBuild(
            app: "abcd1234", slug: "1234abcd", commitHash: nil,
            artifacts: ["app-release.apk": Self.apk, "mapping.txt": Data("m".utf8)])
        let artifact = try await withFetcher(bitrise) { fetcher, folder in
            try await fetcher.fetch(
                .bitriseBuild(app: "abcd1234", slug: "1234abcd"),
                selecting: ArtifactSelector(pattern: try Glob("*.apk"), kind: nil), into: folder)
        }
        #expect(artifact.name == "app-release.apk")
        #expect(artifact.sha256 == SHA256.hash(data: Self.apk).map { String(format: "%02x", $0) }.joined())
        #expect(await bitrise.refusedDownloads == 0, "the pre-signed link is fetched without the token")
    }

    @Test func anExpiredDownloadLinkFailsWithoutRevealingItsSignature() async throws {
        let bitrise = FakeBitrise(token: Self.apiToken)
        await bitrise.addBuild(app: "abcd1234", slug: "1234abcd", commitHash: nil, artifacts: ["app.apk": Self.apk])
        await bitrise.setLinkLifetime(-1)
        let error = try await withFetcher(bitrise) { fetcher, folder -> ArtifactFetchError? in
            do {
                _ = try await fetcher.fetch(
                    .bitriseBuild(app: "abcd1234", slug: "1234abcd"),
                    selecting: ArtifactSelector(pattern: try Glob("*.apk"), kind: nil), into: folder)
                return nil
            } catch let error as ArtifactFetchError { return error }
        }
        #expect(error?.description.contains("403") == true)
        #expect(error?.description.contains("s3cr3tsig") == false, "signed URL query strings never reach messages")
    }

    @Test func aRejectedTokenIsExplainedWithoutRevealingIt() async throws {
        let bitrise = FakeBitrise(token: Self.apiToken)
        await bitrise.addBuild(app: "abcd1234", slug: "1234abcd", commitHash: nil, artifacts: ["app.apk": Self.apk])
        let error = try await withFetcher(bitrise, token: "WRONG-bitrise-pat") { fetcher, folder -> ArtifactFetchError? in
            do {
                _ = try await fetcher.fetch(
                    .bitriseBuild(app: "abcd1234", slug: "1234abcd"),
                    selecting: ArtifactSelector(pattern: try Glob("*.apk"), kind: nil), into: folder)
                return nil
            } catch let error as ArtifactFetchError { return error }
        }
        #expect(error?.description.contains("401") == true)
        #expect(error?.description.contains("sources.bitrise.token") == true)
        #expect(error?.description.contains("WRONG-bitrise-pat") == false)
    }
}
