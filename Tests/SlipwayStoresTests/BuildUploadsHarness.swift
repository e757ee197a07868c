import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
@testable import SlipwayCore
import SlipwayFakes
import SlipwayHTTP
import SlipwayStores
import Testing

/// A fake Product Science API (with its signed-URL storage) on loopback, one HTTP client, and
/// helpers for artifacts and uploaders. Built fresh for every test.
struct BuildUploadsHarness: Sendable {
    static let token = "ps-token-5c7e9a1b3d5f7a9c"
    static let fastRetries = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

    let productScience: FakeProductScience
    let baseURL: String
    let directory: URL
    let httpClient: HTTPClient

    static func run(_ body: (BuildUploadsHarness) async throws -> Void) async throws {
        let productScience = FakeProductScience(token: token)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-ps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            try await productScience.run { baseURL in
                try await body(
                    BuildUploadsHarness(
                        productScience: productScience, baseURL: baseURL, directory: directory, httpClient: httpClient))
            }
        } catch {
            try? await httpClient.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        try await httpClient.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func uploader(
        buildType: BuildUploadsSettings.BuildType = .instrumentedAPK, token: String = BuildUploadsHarness.token,
        retryPolicy: RetryPolicy = BuildUploadsHarness.fastRetries, network: PrivateNetworkPolicy = .strict
    ) throws -> any StoreUploader {
        let settings = BuildUploadsSettings(
            token: .environment("PS_TOKEN"), project: "acme-android", buildType: buildType, apiURL: baseURL)
        return try StoreUploaders.make(
            StoreDefinition(name: "ps-instrumented", line: 1, settings: .buildUploads(settings)),
            environment: ["PS_TOKEN": token], baseDirectory: nil, httpClient: httpClient, retryPolicy: retryPolicy,
            network: network, logger: Logger(label: "test.ps"))
    }

    func artifact(size: Int) throws -> Artifact { try testArtifact(.apk, size: size, in: directory) }

    static let commitTime = Date(timeIntervalSince1970: 1_709_823_343.54)  // 2024-03-07T14:55:43.540Z

    func event(commitTimestamp: Date? = BuildUploadsHarness.commitTime) -> BuildEvent {
        BuildEvent(
            provider: .github, repository: "acme/app", branch: "main", tag: "v5.2.8",
            sha: "e3c0fedc625094db1cbb2823fd425b51ddc0932e", trigger: .tag, conclusion: .success, buildID: "77",
            artifactSource: .localFile("app.apk"), commitMessage: "Release 5.2.8", commitTimestamp: commitTimestamp)
    }

    func deliver(_ artifact: Artifact, with uploader: any StoreUploader, event: BuildEvent? = nil) async throws
        -> StoreResult
    {
        try await uploader.deliver(artifact, for: event ?? self.event(), logger: Logger(label: "test.ps"))
    }

    func failure(_ artifact: Artifact, with uploader: any StoreUploader, sourceLocation: SourceLocation = #_sourceLocation)
        async -> StoreError?
    {
        do {
            let result = try await uploader.deliver(artifact, for: event(), logger: Logger(label: "test.ps"))
            Issue.record("expected the delivery to fail, got \(result.summary)", sourceLocation: sourceLocation)
            return nil
        } catch {
            expectNoSecretText(
                in: error, [Self.token, "X-Goog-Signature", "X-Goog-Credential", "?X-Goog"], sourceLocation: sourceLocation)
            return error
        }
    }
}
