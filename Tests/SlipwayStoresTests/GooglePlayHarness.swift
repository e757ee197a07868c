import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

/// A fake Google Play on loopback, a service-account key file pointing at it, one HTTP client, and
/// helpers to make artifacts and uploaders. Built fresh for every test.
struct GooglePlayHarness: Sendable {
    /// One generated key for the whole run: RSA key generation is the slow part.
    static let account: FakeServiceAccount = {
        do { return try FakeServiceAccount() } catch { fatalError("cannot generate a test RSA key: \(error)") }
    }()
    static let packageName = "com.example.slipway"
    /// Tiny delays so retries are real but tests do not wait.
    static let fastRetries = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

    let play: FakeGooglePlay
    let baseURL: String
    let directory: URL
    let keyFile: URL
    let httpClient: HTTPClient

    static func run(
        tokenLifetimeSeconds: Int = 3599, _ body: (GooglePlayHarness) async throws -> Void
    ) async throws {
        let play = FakeGooglePlay(tokenLifetimeSeconds: tokenLifetimeSeconds)
        await play.register(account)
        await play.addPackage(packageName)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-play-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                redirectConfiguration: .follow(max: 5, allowCycles: false),
                timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            try await play.run { baseURL in
                let keyFile = try account.writeKeyFile(
                    tokenURI: baseURL + "/token", to: directory.appendingPathComponent("play-key.json"))
                try await body(
                    GooglePlayHarness(
                        play: play, baseURL: baseURL, directory: directory, keyFile: keyFile, httpClient: httpClient))
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
        packageName: String = GooglePlayHarness.packageName, keyFile: URL? = nil,
        resumableThresholdBytes: Int64 = 16 * 1024 * 1024, chunkBytes: Int = 256 * 1024
    ) -> GooglePlaySettings {
        GooglePlaySettings(
            packageName: packageName, serviceAccount: .file((keyFile ?? self.keyFile).path), apiURL: baseURL,
            tokenURL: nil, resumableThresholdBytes: resumableThresholdBytes, chunkBytes: chunkBytes)
    }

    func uploader(
        _ settings: GooglePlaySettings? = nil, retryPolicy: RetryPolicy = GooglePlayHarness.fastRetries
    ) throws -> any StoreUploader {
        let definition = StoreDefinition(name: "play", line: 1, settings: .googlePlay(settings ?? self.settings()))
        return try StoreUploaders.make(
            definition, environment: [:], baseDirectory: directory, httpClient: httpClient,
            retryPolicy: retryPolicy, logger: Logger(label: "test.play"))
    }

    /// Writes `size` random bytes to a temp file and describes it as a downloaded artifact.
    func artifact(_ kind: ArtifactKind, size: Int) throws -> Artifact {
        var generator = SystemRandomNumberGenerator()
        let bytes = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let name = "app-release.\(kind.rawValue)"
        let url = directory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        try bytes.write(to: url)
        let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return Artifact(path: url.path, name: "outputs/\(name)", kind: kind, size: Int64(size), sha256: sha256)
    }

    var event: BuildEvent {
        BuildEvent(
            provider: .github, repository: "acme/app", branch: "main", sha: "0123abcd", trigger: .push,
            conclusion: .success, buildID: "42", artifactSource: .localFile("app.apk"))
    }

    func deliver(_ artifact: Artifact, with uploader: any StoreUploader) async throws -> StoreResult {
        try await uploader.deliver(artifact, for: event, logger: Logger(label: "test.play"))
    }

    /// Delivers and returns the `StoreError`, recording an issue if the delivery succeeded.
    func failure(_ artifact: Artifact, with uploader: any StoreUploader, sourceLocation: SourceLocation = #_sourceLocation)
        async -> StoreError?
    {
        do {
            let result = try await uploader.deliver(artifact, for: event, logger: Logger(label: "test.play"))
            Issue.record("expected the delivery to fail, got \(result.summary)", sourceLocation: sourceLocation)
            return nil
        } catch {
            expectNoSecrets(in: error, sourceLocation: sourceLocation)
            return error
        }
    }
}

/// No access token, JWT, key or session id may appear in what users see.
func expectNoSecrets(in error: StoreError, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = "\(error) \(error.failure.message) \(error.failure.hint ?? "")"
    for forbidden in ["ya29", "PRIVATE KEY", "eyJ", "upload_id", "assertion=", "Bearer "] {
        #expect(!text.contains(forbidden), "error text contains \(forbidden): \(text)", sourceLocation: sourceLocation)
    }
}
