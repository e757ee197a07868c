import AsyncHTTPClient
import Foundation
import SlipwayCore
import SlipwayFakes
import SlipwayHTTP
import Testing
import _CryptoExtras

/// GitHub App authentication against a fake GitHub that checks the JWT as GitHub does.
@Suite("GitHub App installation tokens")
struct GitHubAppInstallationsTests {
    /// One key for the suite: RSA key generation is slow.
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    func withApp(
        lifetime: TimeInterval = 3600, key: _RSA.Signing.PrivateKey = GitHubAppInstallationsTests.key, installationID: Int64? = nil,
        body: (GitHubAppInstallations, FakeGitHub) async throws -> Void
    ) async throws {
        let github = FakeGitHub(token: "static-unused", login: "slipway-test[bot]")
        await github.enableApp(
            FakeGitHubApp(id: 12345, publicKey: Self.key.publicKey, slug: "slipway-test", installationID: 777, tokenLifetime: lifetime))
        let client = OutboundHTTP.makeSharedClient()
        do {
            try await github.run { api in
                let app = GitHubAppInstallations(
                    appID: 12345, privateKey: key, apiURL: api, installationID: installationID, http: OutboundHTTP(client: client))
                try await body(app, github)
            }
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func anInstallationTokenIsFetchedOnceAndReusedAndTheBotLoginComesFromTheApp() async throws {
        try await withApp { app, github in
            let first = try await app.authorization(repository: "acme/app")
            let second = try await app.authorization(repository: "acme/app")
            #expect(first.hasPrefix("Bearer ghs_inst_") && first == second)
            #expect(await github.installationTokensIssued == 1)
            #expect(await github.refusedJWTs == 0, "the fake accepted the JWT's signature and claims")
            #expect(try await app.botLogin() == "slipway-test[bot]")
        }
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        try await withApp { app, github in
            _ = try await app.authorization(repository: "acme/app")  // the installation is known
            await app.refused(repository: "acme/app")
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await app.authorization(repository: "acme/app") } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(await github.installationTokensIssued == 2)
        }
    }

    @Test func aTokenCloseToItsExpiryIsRenewedAndOneGitHubRefusedIsDropped() async throws {
        try await withApp(lifetime: 200) { app, github in  // under the 5-minute margin: never reused
            let first = try await app.authorization(repository: "acme/app")
            let second = try await app.authorization(repository: "acme/app")
            #expect(first != second)
            #expect(await github.installationTokensIssued == 2)
        }
        try await withApp { app, github in
            let first = try await app.authorization(repository: "acme/app")
            await github.expireInstallationTokens()
            await app.refused(repository: "acme/app")
            let second = try await app.authorization(repository: "acme/app")
            #expect(first != second)
            #expect(await github.installationTokensIssued == 2)
        }
    }

    @Test func aWrongKeyOrAMissingInstallationSaysWhatToFix() async throws {
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try await withApp(key: other) { app, github in
            let error = await #expect(throws: GitHubAuthError.self) { try await app.authorization(repository: "acme/app") }
            #expect(error?.description.contains("HTTP 401") == true)
            #expect(error?.description.contains("private_key is the app's current key") == true)
            #expect(await github.refusedJWTs == 1)
        }
        try await withApp(installationID: 999) { app, _ in
            let error = await #expect(throws: GitHubAuthError.self) { try await app.authorization(repository: "acme/app") }
            #expect(error?.description.contains("the app is not installed") == true)
        }
    }

    @Test func aServerErrorFromTheTokenEndpointIsRetried() async throws {
        try await withApp { app, github in
            await github.failNextInstallationTokens(502, 503)
            let token = try await app.authorization(repository: "acme/app")
            #expect(token.hasPrefix("Bearer ghs_inst_"))
            #expect(await github.installationTokensIssued == 1)
        }
        try await withApp { app, github in
            await github.failNextInstallationTokens(502, 502, 502)
            let error = await #expect(throws: GitHubAuthError.self) { try await app.authorization(repository: "acme/app") }
            #expect(error?.description.contains("HTTP 502") == true)
        }
    }
}
