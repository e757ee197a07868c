import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Synchronization
import Testing

/// A fake DT (Account Service and App Management API under their own path prefixes) on loopback,
/// one HTTP client, a movable clock, and helpers for real APKs and uploaders. Fresh for every test.
struct IgniteHarness: Sendable {
    static let clientID = "820f2060-d373-4bdc-8de3-cdfa17d12a07"
    static let clientSecret = "v6yR06Iv5Oxac7Hm-CCgrorUqL9iZvD4_cUlQaGw3mux"
    static let packageName = "com.acme.ignite"
    static let segment = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    static let fastRetries = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))

    let dt: FakeIgnite
    let baseURL: String
    let directory: URL
    let httpClient: HTTPClient
    let clock: IgniteTestClock

    static func run(_ body: (IgniteHarness) async throws -> Void) async throws {
        let dt = FakeIgnite(clientID: clientID, clientSecret: clientSecret)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-ignite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            try await dt.run { baseURL in
                try await body(
                    IgniteHarness(
                        dt: dt, baseURL: baseURL, directory: directory, httpClient: httpClient, clock: IgniteTestClock()))
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
        sendToSamsung: Bool = true, encoding: IgniteSettings.UploadEncoding = .multipart, secret: String = "DT_SECRET"
    ) -> IgniteSettings {
        IgniteSettings(
            clientID: Self.clientID, clientSecret: .environment(secret), packageName: Self.packageName,
            fallbackURL: "https://downloads.acme.com/{branch}/{short_sha}/app-{version_name}.apk",
            segmentIDs: [Self.segment], sendToSamsung: sendToSamsung,
            metadata: .init(
                category: "Productivity", shortDescription: "Notes that sync", iconURL: "https://acme.com/icon.png",
                developer: "Acme", email: "apps@acme.com", websiteURL: "https://acme.com",
                marketURL: "https://play.google.com/store/apps/details?id=com.acme.ignite",
                privacyPolicyURL: "https://acme.com/privacy",
                permissions: [
                    .init(
                        name: "access_network_state", category: "network",
                        descriptions: ["en": "Checks whether the device is online"])
                ]),
            uploadEncoding: encoding, tokenURL: baseURL + "/account", apiURL: baseURL + "/appmanagement")
    }

    func uploader(_ settings: IgniteSettings? = nil, retryPolicy: RetryPolicy = IgniteHarness.fastRetries)
        -> IgniteAppManagement
    {
        IgniteAppManagement(
            definition: StoreDefinition(name: "ignite", line: 1, settings: .ignite(settings ?? self.settings())),
            settings: settings ?? self.settings(), clientSecret: Secret(Self.clientSecret), httpClient: httpClient,
            retryPolicy: retryPolicy, now: { clock.now })
    }

    /// A real APK of `packageName`, registered with the fake DT (which cannot read APKs itself).
    func apk(
        packageName: String = IgniteHarness.packageName, utf8: Bool = true, fillerBytes: Int = 300 * 1024
    ) async throws -> (Artifact, FakeAPK) {
        let url = directory.appendingPathComponent("\(UUID().uuidString)-app-release.apk")
        let apk = try FakeAPK.write(
            to: url, manifest: .binary(packageName: packageName, versionCode: 42, versionName: "2.1.0", utf8: utf8),
            fillerBytes: fillerBytes)
        await dt.register(apk)
        return (Artifact(path: apk.path, name: "outputs/app-release.apk", kind: .apk, size: apk.size, sha256: apk.sha256), apk)
    }

    var event: BuildEvent {
        BuildEvent(
            provider: .github, repository: "acme/app", branch: "main", sha: "0123abcd4567ef890123abcd4567ef8901234567",
            trigger: .push, conclusion: .success, buildID: "42", buildURL: "https://github.com/acme/app/actions/runs/42",
            artifactSource: .localFile("app.apk"))
    }

    var logger: Logger { Logger(label: "test.ignite") }

    /// The delivery's error, after checking it carries no secret: neither the client secret nor
    /// any token the fake handed out.
    func failure(
        _ artifact: Artifact, with uploader: IgniteAppManagement, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> StoreError? {
        do {
            let result = try await uploader.deliver(artifact, for: event, logger: logger)
            Issue.record("expected the delivery to fail, got \(result.summary)", sourceLocation: sourceLocation)
            return nil
        } catch {
            await expectNoSecrets(in: "\(error) \(error.failure.message) \(error.failure.hint ?? "")", sourceLocation: sourceLocation)
            return error
        }
    }

    func expectNoSecrets(in text: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        let tokens = await dt.requests.compactMap(\.bearer)
        for secret in [Self.clientSecret, "Bearer "] + tokens where !secret.isEmpty {
            #expect(!text.contains(secret), "user-facing text contains a secret: \(text)", sourceLocation: sourceLocation)
        }
    }
}

/// A clock tests move forward, shared with the uploader's token cache.
final class IgniteTestClock: Sendable {
    private let current = Mutex(Date())

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
