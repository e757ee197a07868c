import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

/// A fake Amazon Appstore on loopback with one live app (one APK with device targeting, English
/// and German listings), credentials in the environment, one HTTP client. Fresh for every test.
struct AmazonAppstoreHarness: Sendable {
    static let appID = "amzn1.devportal.mobileapp.0123456789abcdef"
    static let clientID = "amzn1.application-oa2-client.slipwaytest"
    static let clientSecret = "amzn-test-secret-0123456789abcdef"
    static let environment = ["AMAZON_CLIENT_ID": clientID, "AMAZON_CLIENT_SECRET": clientSecret]
    static let liveAPK = FakeAmazonAPK(id: "MLIVE1", name: "app-release.apk", versionCode: 10, targeting: ["fire-hd-8"])
    static let fastRetries = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

    let amazon: FakeAmazonAppstore
    let baseURL: String
    let directory: URL
    let httpClient: HTTPClient

    static func run(
        largeFileThresholdBytes: Int64 = 300 * 1024 * 1024, _ body: (AmazonAppstoreHarness) async throws -> Void
    ) async throws {
        let amazon = FakeAmazonAppstore(largeFileThresholdBytes: largeFileThresholdBytes)
        await amazon.register(clientID: clientID, clientSecret: clientSecret)
        await amazon.addApp(appID, apks: [liveAPK], languages: ["en_US", "de_DE"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-amazon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            try await amazon.run { baseURL in
                try await body(AmazonAppstoreHarness(amazon: amazon, baseURL: baseURL, directory: directory, httpClient: httpClient))
            }
        } catch {
            try? await httpClient.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        try await httpClient.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func settings(
        apkMode: AmazonAppstoreSettings.APKMode = .replace, largeFileThresholdBytes: Int64 = 300 * 1024 * 1024,
        largeUploadEncoding: AmazonAppstoreSettings.LargeUploadEncoding = .raw, validate: Bool = true,
        keepEditOnFailure: Bool = false
    ) -> AmazonAppstoreSettings {
        AmazonAppstoreSettings(
            appID: Self.appID, clientID: .environment("AMAZON_CLIENT_ID"),
            clientSecret: .environment("AMAZON_CLIENT_SECRET"), apiURL: baseURL, tokenURL: baseURL + "/auth/o2/token",
            apkMode: apkMode, largeFileThresholdBytes: largeFileThresholdBytes, largeUploadEncoding: largeUploadEncoding,
            validate: validate, keepEditOnFailure: keepEditOnFailure)
    }

    func uploader(_ settings: AmazonAppstoreSettings? = nil, environment: [String: String] = Self.environment) throws
        -> any StoreUploader
    {
        let definition = StoreDefinition(name: "amazon", line: 1, settings: .amazonAppstore(settings ?? self.settings()))
        return try StoreUploaders.make(
            definition, environment: environment, baseDirectory: directory, httpClient: httpClient,
            retryPolicy: Self.fastRetries, logger: Logger(label: "test.amazon"))
    }

    /// `size` random bytes in a temp file, described as a downloaded APK.
    func artifact(size: Int, name: String = "app-release.apk") throws -> Artifact {
        var generator = SystemRandomNumberGenerator()
        let bytes = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let url = directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try bytes.write(to: url)
        let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return Artifact(path: url.path, name: "outputs/\(name)", kind: .apk, size: Int64(size), sha256: sha256)
    }

    /// A sparse file of `size` bytes (zeros), made by truncating: nothing is held in memory.
    func sparseArtifact(size: Int64) throws -> Artifact {
        let url = directory.appendingPathComponent("\(UUID().uuidString)-big.apk")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        return Artifact(path: url.path, name: "outputs/big.apk", kind: .apk, size: size, sha256: "")
    }

    var event: BuildEvent {
        BuildEvent(
            provider: .github, repository: "acme/app", branch: "main", sha: "0123abcd", trigger: .push,
            conclusion: .success, buildID: "42", artifactSource: .localFile("app.apk"))
    }

    func deliver(_ artifact: Artifact, with uploader: any StoreUploader) async throws -> StoreResult {
        try await uploader.deliver(artifact, for: event, logger: Logger(label: "test.amazon"))
    }

    /// Delivers and returns the `StoreError`, recording an issue if the delivery succeeded.
    func failure(_ artifact: Artifact, with uploader: any StoreUploader, sourceLocation: SourceLocation = #_sourceLocation)
        async -> StoreError?
    {
        do {
            let result = try await uploader.deliver(artifact, for: event, logger: Logger(label: "test.amazon"))
            Issue.record("expected the delivery to fail, got \(result.summary)", sourceLocation: sourceLocation)
            return nil
        } catch {
            let text = "\(error) \(error.failure.message) \(error.failure.hint ?? "")"
            for forbidden in ["Atza|", Self.clientSecret, "Bearer "] {
                #expect(!text.contains(forbidden), "error text contains \(forbidden): \(text)", sourceLocation: sourceLocation)
            }
            return error
        }
    }
}

extension StoreResult {
    func detail(_ label: String) -> String? { details.first { $0.label == label }?.value }
}
