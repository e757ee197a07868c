import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

/// A fake Applivery on loopback (upload, API and download hosts under their own path prefixes),
/// one HTTP client, and helpers for artifacts and uploaders. Built fresh for every test.
struct AppliveryHarness: Sendable {
    static let appToken = "app-token-7f3a9c1e5b2d4f6a8c0e"
    static let workspaceToken = "sa-token-1b3d5f7a9c2e4a6c8e0f"
    static let fastRetries = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

    let applivery: FakeApplivery
    let baseURL: String
    let directory: URL
    let httpClient: HTTPClient

    static func run(_ body: (AppliveryHarness) async throws -> Void) async throws {
        let applivery = FakeApplivery(appToken: appToken, workspaceToken: workspaceToken)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-applivery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                redirectConfiguration: .follow(max: 5, allowCycles: false),
                timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            try await applivery.run { baseURL in
                try await body(AppliveryHarness(applivery: applivery, baseURL: baseURL, directory: directory, httpClient: httpClient))
            }
        } catch {
            try? await httpClient.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        try await httpClient.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func settings(organization: String = "acme", workspaceToken: Bool = false) -> AppliverySettings {
        AppliverySettings(
            appToken: .environment("APPLIVERY_APP_TOKEN"),
            workspaceToken: workspaceToken ? .environment("APPLIVERY_WORKSPACE_TOKEN") : nil,
            organization: organization, versionName: "{branch}-{short_sha}", tags: ["qa", "nightly"],
            filter: [["qa", "android"], ["beta"]], uploadURL: baseURL + "/upload", apiURL: baseURL + "/api",
            downloadURL: baseURL + "/download")
    }

    func uploader(_ settings: AppliverySettings? = nil, retryPolicy: RetryPolicy = AppliveryHarness.fastRetries)
        throws -> any PollingStoreUploader
    {
        let definition = StoreDefinition(name: "applivery-qa", line: 1, settings: .applivery(settings ?? self.settings()))
        let uploader = try StoreUploaders.make(
            definition,
            environment: ["APPLIVERY_APP_TOKEN": Self.appToken, "APPLIVERY_WORKSPACE_TOKEN": Self.workspaceToken],
            baseDirectory: directory, httpClient: httpClient, retryPolicy: retryPolicy,
            logger: Logger(label: "test.applivery"))
        return try #require(uploader as? any PollingStoreUploader)
    }

    func artifact(_ kind: ArtifactKind = .apk, size: Int) throws -> Artifact {
        try testArtifact(kind, size: size, in: directory)
    }

    var event: BuildEvent {
        BuildEvent(
            provider: .github, repository: "acme/app", branch: "main", sha: "0123abcd4567ef890123abcd4567ef8901234567",
            trigger: .push, conclusion: .success, buildID: "42", buildURL: "https://github.com/acme/app/actions/runs/42",
            artifactSource: .localFile("app.apk"), commitMessage: "Fix login crash\n\nCloses #12",
            commitTimestamp: Date(timeIntervalSince1970: 1_709_823_343.54))
    }

    /// - Parameter build: the event to deliver (default: `event`).
    func deliver(_ artifact: Artifact, for build: BuildEvent? = nil, with uploader: any StoreUploader) async throws -> StoreResult {
        try await uploader.deliver(artifact, for: build ?? event, logger: Logger(label: "test.applivery"))
    }

    func failure(
        _ artifact: Artifact, for build: BuildEvent? = nil, with uploader: any StoreUploader,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> StoreError? {
        do {
            let result = try await uploader.deliver(artifact, for: build ?? event, logger: Logger(label: "test.applivery"))
            Issue.record("expected the delivery to fail, got \(result.summary)", sourceLocation: sourceLocation)
            return nil
        } catch {
            expectNoSecretText(in: error, [Self.appToken, Self.workspaceToken, "Bearer "], sourceLocation: sourceLocation)
            return error
        }
    }
}

/// Writes `size` random bytes to a file in `directory` and describes it as a downloaded artifact.
func testArtifact(_ kind: ArtifactKind, size: Int, in directory: URL) throws -> Artifact {
    var generator = SystemRandomNumberGenerator()
    let bytes = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
    let name = "app-release.\(kind.rawValue)"
    let url = directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
    try bytes.write(to: url)
    let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    return Artifact(path: url.path, name: "outputs/\(name)", kind: kind, size: Int64(size), sha256: sha256)
}

/// None of `forbidden` may appear in what users see.
func expectNoSecretText(in error: StoreError, _ forbidden: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let text = "\(error) \(error.failure.message) \(error.failure.hint ?? "")"
    for secret in forbidden {
        #expect(!text.contains(secret), "error text contains \(secret): \(text)", sourceLocation: sourceLocation)
    }
}
