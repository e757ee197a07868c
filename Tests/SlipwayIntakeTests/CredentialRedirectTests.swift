import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import SlipwayFakes
import SlipwayHTTP
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

/// For every CI and the generic hook: the artifact download is redirected to pre-signed storage on
/// another origin (127.0.0.2, as a cloud bucket is another host), which records every header. The
/// download must succeed and the storage must see none of the CI's credentials.
@Suite("No credential follows a redirect to another origin")
struct CredentialRedirectTests {
    static let apk = Data((0..<90_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) })
    static let credentialHeaders = [
        "authorization", "circle-token", "private-token", "x-gitlab-token", "job-token", "cookie", "proxy-authorization",
    ]

    /// Runs `body` with a fetcher (loopback allowed) and an external storage host on 127.0.0.2.
    func withStorage<T: Sendable>(
        _ body: (ExternalArtifactStorage, URL) async throws -> T
    ) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("redirect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let host = FakeArtifactHost()
        return try await host.run(host: "127.0.0.2") { base in
            try await body(ExternalArtifactStorage(host: host, baseURL: base), folder)
        }
    }

    func fetcher(_ client: HTTPClientHolder, github: (String, String)? = nil, ci: ArtifactFetcher.CICredentials = .init()) -> ArtifactFetcher {
        ArtifactFetcher(
            httpClient: client.client, gitHubAPIURL: github?.0 ?? "http://127.0.0.1:1", gitHubToken: github.map { Secret($0.1) },
            allowedHosts: [], logger: Logger(label: "test"), ci: ci, network: ArtifactFetcherTests.loopback)
    }

    /// Checks the storage host served the file and saw no credential.
    func expectNoCredentialReached(_ storage: ExternalArtifactStorage, artifact: Artifact) async {
        #expect(artifact.sha256 == SHA256.hash(data: Self.apk).map { String(format: "%02x", $0) }.joined())
        let requests = await storage.host.requests
        #expect(requests.count == 1, "the download went through the storage host")
        let seen = await storage.host.headerNamesSeen
        for name in Self.credentialHeaders {
            #expect(!seen.contains(name), "\(name) reached the storage host")
        }
        #expect(requests.first?.headers.values.contains { $0.contains("token") || $0.contains("Bearer") } == false)
    }

    @Test func gitHub() async throws {
        try await HTTPClientHolder.with { client in
            try await withStorage { storage, folder in
                let github = FakeGitHub(token: "ghs_redirect_token")
                await github.addRun(repository: "acme/app", runID: 3, artifacts: ["app": ["app.apk": Self.apk]])
                await github.useExternalStorage(storage)
                try await github.run { api in
                    let artifact = try await fetcher(client, github: (api, "ghs_redirect_token")).fetch(
                        .githubRun(repository: "acme/app", runID: 3), selecting: .init(pattern: try Glob("**/*.apk"), kind: nil),
                        into: folder)
                    await expectNoCredentialReached(storage, artifact: artifact)
                }
            }
        }
    }

    @Test func gitLab() async throws {
        try await HTTPClientHolder.with { client in
            try await withStorage { storage, folder in
                let gitlab = FakeGitLab(token: "glpat-redirect")
                await gitlab.addJobArtifacts(project: 1, jobID: 9, files: ["app-release.apk": Self.apk])
                await gitlab.useExternalStorage(storage)
                try await gitlab.run { api in
                    let artifact = try await fetcher(client, ci: .init(gitlab: .init(apiURL: api, token: Secret("glpat-redirect"))))
                        .fetch(
                            .gitlabPipeline(project: "1", pipelineID: 5, jobs: ["assemble": 9]),
                            selecting: .init(pattern: try Glob("**/*.apk"), kind: nil), into: folder)
                    await expectNoCredentialReached(storage, artifact: artifact)
                }
            }
        }
    }

    @Test func bitrise() async throws {
        try await HTTPClientHolder.with { client in
            try await withStorage { storage, folder in
                let bitrise = FakeBitrise(token: "bitrise-redirect")
                await bitrise.addBuild(app: "app1", slug: "b1", commitHash: "c0ffee", artifacts: ["app-release.apk": Self.apk])
                await bitrise.useExternalStorage(storage)
                try await bitrise.run { api in
                    let artifact = try await fetcher(client, ci: .init(bitrise: .init(apiURL: api, token: Secret("bitrise-redirect"))))
                        .fetch(.bitriseBuild(app: "app1", slug: "b1"), selecting: .init(pattern: try Glob("*.apk"), kind: nil), into: folder)
                    await expectNoCredentialReached(storage, artifact: artifact)
                }
            }
        }
    }

    @Test func buildkite() async throws {
        try await HTTPClientHolder.with { client in
            try await withStorage { storage, folder in
                let buildkite = FakeBuildkite(token: "bkua_redirect")
                await buildkite.addBuild(organization: "org", pipeline: "app", number: 4, files: ["app-release.apk": Self.apk])
                await buildkite.useExternalStorage(storage)
                try await buildkite.run { api in
                    let artifact = try await fetcher(client, ci: .init(buildkite: .init(apiURL: api, token: Secret("bkua_redirect"))))
                        .fetch(
                            .buildkiteBuild(organization: "org", pipeline: "app", number: 4),
                            selecting: .init(pattern: try Glob("**/*.apk"), kind: nil), into: folder)
                    await expectNoCredentialReached(storage, artifact: artifact)
                }
            }
        }
    }

    @Test func circleCI() async throws {
        try await HTTPClientHolder.with { client in
            try await withStorage { storage, folder in
                let circleci = FakeCircleCI(token: "CCIPAT_redirect")
                await circleci.addWorkflow(id: "wf", projectSlug: "gh/acme/app", jobs: ["assemble": ["app-release.apk": Self.apk]])
                await circleci.useExternalStorage(storage)
                try await circleci.run { api in
                    let artifact = try await fetcher(
                        client, ci: .init(circleci: .init(apiURL: api, token: Secret("CCIPAT_redirect"), artifactHosts: []))
                    ).fetch(
                        .circleciWorkflow(projectSlug: "gh/acme/app", workflowID: "wf"),
                        selecting: .init(pattern: try Glob("**/*.apk"), kind: nil), into: folder)
                    await expectNoCredentialReached(storage, artifact: artifact)
                }
            }
        }
    }

    @Test func theGenericHook() async throws {
        try await HTTPClientHolder.with { client in
            try await withStorage { storage, folder in
                let origin = FakeArtifactHost()
                try await origin.run { base in
                    await origin.redirect(path: "/builds/app-release.apk", to: await storage.put(key: "generic", data: Self.apk))
                    // userinfo in the URL is a credential too: it must not reach the storage host.
                    let url = base.replacingOccurrences(of: "http://", with: "http://ci:pa55@") + "/builds/app-release.apk"
                    let artifact = try await fetcher(client).fetch(
                        .url(url), selecting: .init(pattern: try Glob("*.apk"), kind: nil), into: folder)
                    await expectNoCredentialReached(storage, artifact: artifact)
                }
            }
        }
    }

    @Test func aCircleCIArtifactOnAnUnlistedHostNamesTheCircleCISetting() async throws {
        try await HTTPClientHolder.with { client in
            try await withStorage { _, folder in
                let circleci = FakeCircleCI(token: "CCIPAT_redirect")
                await circleci.addWorkflow(id: "wf", projectSlug: "gh/acme/app", jobs: ["assemble": ["app-release.apk": Self.apk]])
                await circleci.listArtifacts(on: "https://files.example")
                try await circleci.run { api in
                    let fetcher = fetcher(
                        client, ci: .init(circleci: .init(apiURL: api, token: Secret("CCIPAT_redirect"), artifactHosts: ["circle-artifacts.com"])))
                    let error = await #expect(throws: ArtifactFetchError.self) {
                        try await fetcher.fetch(
                            .circleciWorkflow(projectSlug: "gh/acme/app", workflowID: "wf"),
                            selecting: .init(pattern: try Glob("**/*.apk"), kind: nil), into: folder)
                    }
                    #expect(error == .hostNotAllowed(host: "files.example", setting: "sources.circleci.artifact_hosts"))
                    #expect(error?.description.contains("artifact host files.example is not in sources.circleci.artifact_hosts") == true)
                    #expect(error?.description.contains("sources.generic") == false)
                }
            }
        }
    }
}

/// One redirect-handing-back client per test, shut down at its end.
struct HTTPClientHolder: Sendable {
    let client: AsyncHTTPClient.HTTPClient

    static func with<T: Sendable>(_ body: (HTTPClientHolder) async throws -> T) async throws -> T {
        let client = OutboundHTTP.makeSharedClient()
        do {
            let result = try await body(HTTPClientHolder(client: client))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
