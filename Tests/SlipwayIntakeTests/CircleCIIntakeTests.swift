import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import SlipwayFakes
import SlipwayHTTP
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

@Suite("CircleCI workflow-completed hooks and artifacts")
struct CircleCIIntakeTests {
    static let secret = "circle-signing-secret"
    static let apiToken = "CCIPAT_api_token"
    let adapter = CircleCIWorkflowAdapter(secret: Secret(Self.secret))

    func receive(_ delivery: (headers: [String: String], body: Data)) throws(WebhookError) -> WebhookIntake {
        try adapter.receive(WebhookRequest(headers: delivery.headers, body: delivery.body), now: Date())
    }

    @Test func theDocumentedSignatureVectorsVerify() {
        #expect(FakeCircleCIHook.signature(body: Data("hello world".utf8), secret: "secret")
            == "734cc62f32841568f45715aeb9f4d7891324e6d948e4c6c60c0621cdac48623a")
        #expect(WebhookSignature.hexHMACMatches(
            "773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62db4", message: Data("foo".utf8), secret: Secret("secret")))
    }

    @Test(arguments: [FakeCircleCIHook.Shape.vcs, .triggerParameters])
    func aSuccessfulWorkflowBecomesABuildInEitherPayloadShape(shape: FakeCircleCIHook.Shape) throws {
        let intake = try receive(FakeCircleCIHook.workflowCompleted(secret: Self.secret, shape: shape))
        guard case .build(let deliveryID, let event) = intake else { Issue.record("expected a build, got \(intake)"); return }
        #expect(deliveryID == "3888f21b-eaa7-38e3-8f3d-75a63bba8895", "the body id is the delivery id")
        #expect(event.provider == .circleci)
        #expect(event.repository == "circleci/webhook-service")
        #expect(event.branch == "main")
        #expect(event.sha == "1dc6aa69429bff4806ad6afe58d3d8f57e25973e")
        #expect(event.trigger == .push)
        #expect(event.pullRequest == nil, "CircleCI sends no PR number")
        #expect(event.buildID == "fda08377-fe7e-46b1-8992-3a7aaecac9c3")
        #expect(event.buildURL?.hasPrefix("https://app.circleci.com/pipelines/") == true)
        #expect(event.artifactSource == .circleciWorkflow(projectSlug: "gh/circleci/webhook-service", workflowID: "fda08377-fe7e-46b1-8992-3a7aaecac9c3"))
    }

    @Test func aWrongOrMissingSignatureIsUnauthorized() {
        #expect(throws: WebhookError.self) { try receive(FakeCircleCIHook.workflowCompleted(secret: "guess")) }
        #expect(throws: WebhookError.self) { try receive(FakeCircleCIHook.workflowCompleted(secret: nil)) }
        var tampered = FakeCircleCIHook.workflowCompleted(secret: Self.secret)
        tampered.body.append(contentsOf: Array(" ".utf8))
        #expect(throws: WebhookError.self) { try receive(tampered) }
    }

    @Test func onlyTheV1EntryOfTheSignatureListCounts() throws {
        var delivery = FakeCircleCIHook.workflowCompleted(secret: Self.secret)
        let v1 = delivery.headers["circleci-signature"]!
        delivery.headers["circleci-signature"] = "v0=deadbeef,\(v1)"
        guard case .build = try receive(delivery) else { Issue.record("expected a build"); return }
        delivery.headers["circleci-signature"] = v1.replacingOccurrences(of: "v1=", with: "v0=")
        #expect(throws: WebhookError.self) { try receive(delivery) }
    }

    @Test(arguments: ["failed", "error", "canceled", "unauthorized", "running"])
    func unsuccessfulOrUnfinishedWorkflowsAreIgnored(status: String) throws {
        guard case .ignored(let deliveryID, let reason) = try receive(FakeCircleCIHook.workflowCompleted(secret: Self.secret, status: status))
        else { Issue.record("expected ignored"); return }
        #expect(deliveryID == "3888f21b-eaa7-38e3-8f3d-75a63bba8895")
        #expect(reason.contains(status))
    }

    // MARK: Artifacts over loopback

    static let apk = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ 5) })

    func fetch(_ circleci: FakeCircleCI, token: String = CircleCIIntakeTests.apiToken, pattern: String) async throws -> Result<Artifact, ArtifactFetchError> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("circleci-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let client = OutboundHTTP.makeSharedClient()
        let result = try await circleci.run { api -> Result<Artifact, ArtifactFetchError> in
            let fetcher = ArtifactFetcher(
                httpClient: client, gitHubAPIURL: "http://127.0.0.1:1", gitHubToken: nil, allowedHosts: [],
                logger: Logger(label: "test"), ci: .init(circleci: .init(apiURL: api, token: Secret(token))), network: ArtifactFetcherTests.loopback)
            do {
                return .success(try await fetcher.fetch(
                    .circleciWorkflow(projectSlug: "gh/circleci/webhook-service", workflowID: "wf-1"),
                    selecting: ArtifactSelector(pattern: try Glob(pattern), kind: nil), into: folder))
            } catch let error as ArtifactFetchError {
                return .failure(error)
            }
        }
        try await client.shutdown()
        return result
    }

    @Test func theSelectedJobsArtifactIsDownloadedWithItsSHA256() async throws {
        let circleci = FakeCircleCI(token: Self.apiToken)
        await circleci.addWorkflow(
            id: "wf-1", projectSlug: "gh/circleci/webhook-service",
            jobs: ["assemble": ["app/build/outputs/apk/release/app-release.apk": Self.apk], "test": ["results.xml": Data("r".utf8)]])
        let artifact = try await fetch(circleci, pattern: "assemble/**/*.apk").get()
        #expect(artifact.name == "assemble/app/build/outputs/apk/release/app-release.apk")
        #expect(artifact.sha256 == SHA256.hash(data: Self.apk).map { String(format: "%02x", $0) }.joined())
        #expect(await circleci.requestLog.contains { $0.hasPrefix("GET artifacts") && $0.hasSuffix("/101") } == false,
            "only the job the pattern names is listed")
    }

    @Test func aRejectedTokenIsExplainedWithoutRevealingIt() async throws {
        let circleci = FakeCircleCI(token: Self.apiToken)
        await circleci.addWorkflow(id: "wf-1", projectSlug: "gh/circleci/webhook-service", jobs: ["assemble": ["app.apk": Self.apk]])
        guard case .failure(let error) = try await fetch(circleci, token: "CCIPAT_WRONG", pattern: "**/*.apk") else {
            Issue.record("expected a failure"); return
        }
        #expect(error.description.contains("401"))
        #expect(error.description.contains("sources.circleci.token"))
        #expect(!error.description.contains("CCIPAT_WRONG"))
    }
}
