import AsyncHTTPClient
package import Foundation
import SlipwayCore
import NIOCore
import NIOHTTP1
package import _CryptoExtras

/// GitHub App authentication: an RS256 JWT (`iss` = app id, `iat` 60 s in the past, `exp` 9 min
/// ahead) finds each repository's installation (`GET /repos/{o}/{r}/installation`, cached) and
/// trades for its installation token (`POST /app/installations/{id}/access_tokens`). Tokens are
/// reused until 5 minutes before `expires_at`, fetched once for concurrent callers, and dropped
/// on a 401. Works against GitHub Enterprise Server through `apiURL`.
package actor GitHubAppInstallations: GitHubCredentials {
    package let appID: Int
    let key: _RSA.Signing.PrivateKey
    let apiURL: String
    let fixedInstallation: Int64?
    let http: OutboundHTTP
    let now: @Sendable () -> Date
    /// A token is renewed this long before GitHub says it expires.
    package static let refreshMargin: TimeInterval = 300

    private var installations: [String: Int64] = [:]
    /// One cache per installation: the mechanism every token flow of Slipway shares.
    private var tokens: [Int64: AccessTokenCache<GitHubAuthError>] = [:]
    private var login: String?

    package init(
        appID: Int, privateKey: _RSA.Signing.PrivateKey, apiURL: String, installationID: Int64? = nil, http: OutboundHTTP,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.appID = appID
        self.key = privateKey
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.fixedInstallation = installationID
        self.http = http
        self.now = now
    }

    package func authorization(repository: String) async throws(GitHubAuthError) -> String {
        let installation = try await installationID(for: repository)
        let token = try await cache(for: installation).token { () async throws(GitHubAuthError) -> AccessToken in
            try await self.fetchToken(installation: installation)
        }
        return "Bearer \(token.value.revealed)"
    }

    package nonisolated var canRefresh: Bool { true }
    package nonisolated var listsInstallationRepositories: Bool { true }

    package func authorization(owner: String) async throws(GitHubAuthError) -> String {
        let installation = try await installationID(owner: owner)
        let token = try await cache(for: installation).token { () async throws(GitHubAuthError) -> AccessToken in
            try await self.fetchToken(installation: installation)
        }
        return "Bearer \(token.value.revealed)"
    }

    /// The installation on an organisation (`GET /orgs/{o}/installation`) or, failing that, a user
    /// account (`GET /users/{u}/installation`).
    private func installationID(owner: String) async throws(GitHubAuthError) -> Int64 {
        if let fixedInstallation { return fixedInstallation }
        guard !owner.isEmpty else {
            throw .unconfigured(
                "a rule matches every repository, so Slipway cannot tell which installation to list: set "
                    + "sources.github.app.installation_id, or name the repositories in the rules (repo: acme/*)")
        }
        if let known = installations[owner + "/"] { return known }
        var step = "find the installation for \(owner)"
        var (status, object) = try await call(.GET, "/orgs/\(owner)/installation", step: step)
        if status == 404 {
            step = "find the installation for the user \(owner)"
            (status, object) = try await call(.GET, "/users/\(owner)/installation", step: step)
        }
        guard status == 200, let id = (object["id"] as? NSNumber)?.int64Value else {
            throw Self.failure(status, object, step: step)
        }
        installations[owner + "/"] = id
        return id
    }

    package func refused(repository: String) async {
        let owner = repository.split(separator: "/").first.map { "\($0)/" } ?? ""
        if let installation = installations[repository] ?? installations[owner] ?? fixedInstallation {
            await tokens[installation]?.invalidate()
        }
    }

    private func cache(for installation: Int64) -> AccessTokenCache<GitHubAuthError> {
        if let cache = tokens[installation] { return cache }
        let cache = AccessTokenCache<GitHubAuthError>(provider: "github_app", refreshMargin: Self.refreshMargin, now: now)
        tokens[installation] = cache
        return cache
    }

    package func botLogin() async throws(GitHubAuthError) -> String? {
        if let login { return login }
        let (status, object) = try await call(.GET, "/app", step: "read the app (GET /app)")
        guard status == 200, let slug = object["slug"] as? String else {
            throw Self.failure(status, object, step: "read the app (GET /app)")
        }
        login = "\(slug)[bot]"
        return login
    }

    /// The app's JWT, signed now.
    package func jwt() throws(GitHubAuthError) -> String {
        struct Header: Encodable { var alg = "RS256"; var typ = "JWT" }
        struct Claims: Encodable { var iat: Int; var exp: Int; var iss: String }
        let issued = Int(now().timeIntervalSince1970)
        do {
            return try RS256JWT.sign(header: Header(), claims: Claims(iat: issued - 60, exp: issued + 540, iss: String(appID)), key: key)
        } catch {
            throw .signing("\(error)")
        }
    }

    private func installationID(for repository: String) async throws(GitHubAuthError) -> Int64 {
        if let fixedInstallation { return fixedInstallation }
        if let known = installations[repository] { return known }
        let step = "find the installation for \(repository)"
        let (status, object) = try await call(.GET, "/repos/\(repository)/installation", step: step)
        guard status == 200, let id = (object["id"] as? NSNumber)?.int64Value else {
            throw Self.failure(status, object, step: step)
        }
        installations[repository] = id
        return id
    }

    /// Attempts at an installation token when GitHub answers 5xx or not at all (backoff 0.5 s, 1 s).
    static let fetchAttempts = 3

    private func fetchToken(installation: Int64) async throws(GitHubAuthError) -> AccessToken {
        let step = "get an installation token"
        var attempt = 0
        var status = 0
        var object: [String: Any] = [:]
        while true {
            attempt += 1
            do {
                (status, object) = try await call(.POST, "/app/installations/\(installation)/access_tokens", step: step)
                if status < 500 || attempt == Self.fetchAttempts { break }
            } catch {
                if attempt == Self.fetchAttempts { throw error }
            }
            try? await Task.sleep(for: .milliseconds(500 * attempt))
        }
        guard status == 201 || status == 200, let token = object["token"] as? String, let expiresText = object["expires_at"] as? String,
            let expires = ISO8601DateFormatter().date(from: expiresText)
        else {
            throw Self.failure(status, object, step: step)
        }
        return AccessToken(value: Secret(token), expiresAt: expires)
    }

    private func call(_ method: HTTPMethod, _ path: String, step: String) async throws(GitHubAuthError) -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: apiURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(try jwt())")
        request.headers.add(name: "Accept", value: "application/vnd.github+json")
        request.headers.add(name: "X-GitHub-Api-Version", value: "2022-11-28")
        let reply: (Int, Data)
        do {
            reply = try await http.withResponse(request, trust: .configured, timeout: .seconds(30)) { response, _ in
                (Int(response.status.code), Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
            }
        } catch {
            throw .transport(step: step, reason: "GitHub did not answer (\(type(of: error)))")
        }
        return (reply.0, (try? JSONSerialization.jsonObject(with: reply.1)) as? [String: Any] ?? [:])
    }

    static func failure(_ status: Int, _ object: [String: Any], step: String) -> GitHubAuthError {
        guard status >= 300 else { return .unexpectedAnswer(step: step) }
        let message = object["message"] as? String ?? "no message"
        let hint: String? =
            switch status {
            case 401: "check sources.github.app.app_id and that private_key is the app's current key (GitHub → app settings → Private keys)"
            case 404: "the app is not installed on that repository: install it (GitHub → app settings → Install App), or set installation_id"
            default: nil
            }
        return .http(step: step, status: status, message: message, hint: hint)
    }
}
