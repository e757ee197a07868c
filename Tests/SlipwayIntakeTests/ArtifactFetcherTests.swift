import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import SlipwayFakes
import SlipwayHTTP
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

@Suite("Artifact fetching over real HTTP")
struct ArtifactFetcherTests {
    static let token = "ghs_fetch_test_token"
    static let apk = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
    /// The fakes listen on loopback, which URLs from webhooks may reach only when allowed.
    static let loopback = PrivateNetworkPolicy(allowed: [NetworkRange("127.0.0.0/8")!, NetworkRange("::1")!])

    static func sha(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    @discardableResult
    func withFetcher<T: Sendable>(
        github: FakeGitHub, token: String = ArtifactFetcherTests.token, allowedHosts: [String] = [],
        network: PrivateNetworkPolicy = ArtifactFetcherTests.loopback, body: (ArtifactFetcher, URL, String) async throws -> T
    ) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let client = OutboundHTTP.makeSharedClient()
        do {
            let result = try await github.run { api in
                let fetcher = ArtifactFetcher(
                    httpClient: client, gitHubAPIURL: api, gitHubToken: Secret(token), allowedHosts: allowedHosts,
                    logger: Logger(label: "test"), network: network)
                return try await body(fetcher, folder, api)
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func selector(_ pattern: String, _ kind: ArtifactKind? = nil) throws -> ArtifactSelector {
        ArtifactSelector(pattern: try Glob(pattern), kind: kind)
    }

    @Test func aRunsZipIsDownloadedAndTheSelectedAPKExtractedWithItsSHA256() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addRun(
            repository: "acme/app", runID: 1,
            artifacts: [
                "app-debug": ["outputs/app-debug.apk": Self.apk, "mapping.txt": Data("m".utf8)],
                "app-release": ["app-release.aab": Data("aab".utf8)],
            ])
        try await withFetcher(github: github) { fetcher, folder, _ in
            let artifact = try await fetcher.fetch(
                .githubRun(repository: "acme/app", runID: 1), selecting: try selector("app-debug/**/*.apk"), into: folder)
            #expect(artifact.name == "app-debug/outputs/app-debug.apk")
            #expect(artifact.kind == .apk)
            #expect(artifact.size == Int64(Self.apk.count))
            #expect(artifact.sha256 == Self.sha(Self.apk))
            #expect(FileManager.default.contents(atPath: artifact.path) == Self.apk)
        }
        #expect(await github.blobRequestsWithAuthorization == 0, "the token must not follow the redirect to blob storage")
        #expect(await github.blobDownloads == 1, "only the artifact the pattern names is downloaded")
    }

    @Test func noMatchingArtifactListsWhatTheRunHad() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addRun(repository: "acme/app", runID: 2, artifacts: ["logs": ["build.log": Data("x".utf8)]])
        try await withFetcher(github: github) { fetcher, folder, _ in
            await #expect(throws: ArtifactFetchError.noMatch(pattern: "**/*.apk (apk)", available: ["logs/build.log"])) {
                try await fetcher.fetch(.githubRun(repository: "acme/app", runID: 2), selecting: try selector("**/*.apk", .apk), into: folder)
            }
        }
    }

    @Test func expiredArtifactsSayToReRunTheBuild() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addRun(repository: "acme/app", runID: 3, artifacts: ["app-debug": ["app.apk": Self.apk]])
        await github.expireArtifacts(repository: "acme/app", runID: 3)
        try await withFetcher(github: github) { fetcher, folder, _ in
            let chosen = try selector("**/*.apk")
            do throws(ArtifactFetchError) {
                _ = try await fetcher.fetch(.githubRun(repository: "acme/app", runID: 3), selecting: chosen, into: folder)
                Issue.record("expected an error")
            } catch {
                #expect(error == .expired(names: ["app-debug"]))
                #expect(error.description.contains("re-run the build"))
                #expect(!error.isRetryable)
            }
        }
    }

    @Test func aBadTokenFailsWithAHintAndWithoutTheToken() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addRun(repository: "acme/app", runID: 4, artifacts: ["a": ["app.apk": Self.apk]])
        try await withFetcher(github: github, token: "ghs_wrong_token") { fetcher, folder, _ in
            let chosen = try selector("**/*.apk")
            do throws(ArtifactFetchError) {
                _ = try await fetcher.fetch(.githubRun(repository: "acme/app", runID: 4), selecting: chosen, into: folder)
                Issue.record("expected an error")
            } catch {
                #expect(error.description.contains("HTTP 401: Bad credentials"))
                #expect(error.description.contains("sources.github.token"))
                #expect(!error.description.contains("ghs_wrong_token"))
            }
        }
    }

    @Test func aServerErrorIsRetryable() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addRun(repository: "acme/app", runID: 5, artifacts: ["a": ["app.apk": Self.apk]])
        await github.enqueue(.status(502, message: "Bad Gateway"), on: .listArtifacts)
        try await withFetcher(github: github) { fetcher, folder, _ in
            let chosen = try selector("**/*.apk")
            do throws(ArtifactFetchError) {
                _ = try await fetcher.fetch(.githubRun(repository: "acme/app", runID: 5), selecting: chosen, into: folder)
                Issue.record("expected an error")
            } catch {
                #expect(error.isRetryable)
            }
            let artifact = try await fetcher.fetch(.githubRun(repository: "acme/app", runID: 5), selecting: try selector("**/*.apk"), into: folder)
            #expect(artifact.sha256 == Self.sha(Self.apk))
        }
    }

    @Test func aDirectURLIsStreamedToDiskWithItsSHA256AndOtherHostsAreRefused() async throws {
        let host = FakeArtifactHost()
        await host.add(path: "/files/app-release.apk", data: Self.apk)
        await host.redirect(path: "/latest/app-release.apk", to: "/files/app-release.apk")
        let github = FakeGitHub(token: Self.token)
        try await host.run { base in
            try await withFetcher(github: github, allowedHosts: ["127.0.0.1"]) { fetcher, folder, _ in
                let artifact = try await fetcher.fetch(
                    .url(base + "/latest/app-release.apk?token=abc"), selecting: try selector("**/*.apk"), into: folder)
                #expect(artifact.name == "app-release.apk")
                #expect(artifact.sha256 == Self.sha(Self.apk))
                #expect(artifact.size == Int64(Self.apk.count))
            }
            try await withFetcher(github: github, allowedHosts: ["artifacts.example.com"]) { fetcher, folder, _ in
                await #expect(throws: ArtifactFetchError.hostNotAllowed(host: "127.0.0.1", setting: "sources.generic.allowed_artifact_hosts")) {
                    try await fetcher.fetch(.url(base + "/files/app-release.apk"), selecting: try selector("**/*.apk"), into: folder)
                }
            }
            try await withFetcher(github: github) { fetcher, folder, _ in
                let chosen = try selector("**/*.apk")
                do throws(ArtifactFetchError) {
                    _ = try await fetcher.fetch(.url(base + "/missing/app.apk?sig=SECRET"), selecting: chosen, into: folder)
                    Issue.record("expected an error")
                } catch {
                    #expect(error.description.contains("HTTP 404"))
                    #expect(!error.description.contains("SECRET"), "signed query strings stay out of messages")
                }
            }
        }
        #expect(await host.downloads["/files/app-release.apk"] == 1)
    }

    @Test func aLocalFileIsHashedInPlace() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("local-\(UUID().uuidString).apk")
        try Self.apk.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withFetcher(github: FakeGitHub(token: Self.token)) { fetcher, folder, _ in
            let artifact = try await fetcher.fetch(.localFile(file.path), selecting: try selector("**/*.apk"), into: folder)
            #expect(artifact.path == file.path)
            #expect(artifact.sha256 == Self.sha(Self.apk))
        }
    }

    @Test func whenSeveralFilesMatchTheFirstInSortedOrderIsTaken() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addRun(
            repository: "acme/app", runID: 6,
            artifacts: ["apks": ["b/app.apk": Data("second".utf8), "a/app.apk": Self.apk, "c/app.apk": Data("third".utf8)]])
        try await withFetcher(github: github) { fetcher, folder, _ in
            let artifact = try await fetcher.fetch(
                .githubRun(repository: "acme/app", runID: 6), selecting: try selector("apks/**/*.apk"), into: folder)
            #expect(artifact.name == "apks/a/app.apk")
            #expect(artifact.sha256 == Self.sha(Self.apk))
        }
    }

    @Test func aClientThatDoesNotFollowRedirectsStillKeepsTheTokenAwayFromBlobStorage() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addRun(repository: "acme/app", runID: 7, artifacts: ["app": ["app.apk": Self.apk]])
        try await withFetcher(github: github) { fetcher, folder, _ in
            let artifact = try await fetcher.fetch(
                .githubRun(repository: "acme/app", runID: 7), selecting: try selector("app/*.apk"), into: folder)
            #expect(artifact.sha256 == Self.sha(Self.apk))
        }
        #expect(await github.blobRequestsWithAuthorization == 0)
        #expect(await github.blobDownloads == 1)
    }

    @Test func anExpiredArtifactIsReportedEvenWhenOthersOfTheRunAreLive() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addRun(
            repository: "acme/app", runID: 8,
            artifacts: ["logs": ["build.log": Data("x".utf8)], "app-debug": ["app.apk": Self.apk]])
        await github.expireArtifact(repository: "acme/app", runID: 8, name: "app-debug")
        try await withFetcher(github: github) { fetcher, folder, _ in
            await #expect(throws: ArtifactFetchError.expired(names: ["app-debug"])) {
                try await fetcher.fetch(.githubRun(repository: "acme/app", runID: 8), selecting: try selector("**/*.apk"), into: folder)
            }
        }
    }

    @Test func aDirectURLRedirectingToAHostNotAllowedIsRefusedBeforeTheRequest() async throws {
        let host = FakeArtifactHost()
        await host.add(path: "/files/app.apk", data: Self.apk)
        try await host.run { base in
            let elsewhere = base.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            await host.redirect(path: "/go/app.apk", to: elsewhere + "/files/app.apk")
            try await withFetcher(github: FakeGitHub(token: Self.token), allowedHosts: ["127.0.0.1"]) {
                fetcher, folder, _ in
                await #expect(throws: ArtifactFetchError.hostNotAllowed(host: "localhost", setting: "sources.generic.allowed_artifact_hosts")) {
                    try await fetcher.fetch(.url(base + "/go/app.apk"), selecting: try selector("**/*.apk"), into: folder)
                }
            }
        }
        #expect(await host.downloads["/files/app.apk"] == nil)
    }

    @Test func aURLWithoutAnAPKNameIsNamedByContentDispositionOrTypedByArtifactKind() async throws {
        let host = FakeArtifactHost()
        await host.add(path: "/builds/latest", data: Self.apk, fileName: "app-release.apk")
        await host.add(path: "/download", data: Self.apk)
        try await host.run { base in
            try await withFetcher(github: FakeGitHub(token: Self.token)) { fetcher, folder, _ in
                let named = try await fetcher.fetch(.url(base + "/builds/latest"), selecting: try selector("**/*.apk"), into: folder)
                #expect(named.name == "app-release.apk" && named.kind == .apk)
                #expect(named.sha256 == Self.sha(Self.apk))
                #expect(FileManager.default.fileExists(atPath: named.path))

                let typed = try await fetcher.fetch(.url(base + "/download?id=7"), selecting: try selector("**/*.apk", .apk), into: folder)
                #expect(typed.name == "download.apk" && typed.kind == .apk)

                let error = await #expect(throws: ArtifactFetchError.self) {
                    try await fetcher.fetch(.url(base + "/download?id=7"), selecting: try selector("**/*.{apk,aab}"), into: folder)
                }
                #expect(error == .untyped(url: base + "/download"))
                #expect(error?.description.contains("set artifact_kind: apk (or aab) on the rule") == true)

                let wrongName = await #expect(throws: ArtifactFetchError.self) {
                    try await fetcher.fetch(.url(base + "/builds/latest"), selecting: try selector("**/*-debug.apk"), into: folder)
                }
                #expect(wrongName == .noMatch(pattern: "**/*-debug.apk", available: ["app-release.apk"]))
            }
        }
    }

    @Test func credentialsInAURLStayOutOfMessages() {
        #expect(ArtifactFetcher.redacted("https://user:pa55@host.example/a/app.apk?sig=x") == "https://host.example/a/app.apk")
    }
}
