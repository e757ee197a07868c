import Crypto
package import Foundation
import Hummingbird
import NIOCore
package import _CryptoExtras

/// A GitHub App as the fake knows it: its id, public key, slug and the one installation.
package struct FakeGitHubApp: Sendable {
    package var id: Int
    package var publicKey: _RSA.Signing.PublicKey
    package var slug: String
    package var installationID: Int64
    /// Lifetime of the installation tokens it issues (GitHub: one hour).
    package var tokenLifetime: TimeInterval

    package init(id: Int, publicKey: _RSA.Signing.PublicKey, slug: String, installationID: Int64, tokenLifetime: TimeInterval = 3600) {
        self.id = id
        self.publicKey = publicKey
        self.slug = slug
        self.installationID = installationID
        self.tokenLifetime = tokenLifetime
    }
}

/// GitHub App authentication: `GET /app`, `GET /repos/{o}/{r}/installation` and
/// `POST /app/installations/{id}/access_tokens` take the app's JWT, which is checked as GitHub
/// does (RS256 signature by the app's key, `iss` = app id, `iat` not in the future, `exp` in the
/// future and at most 10 minutes after `iat`); installation tokens expire and are then refused.
extension FakeGitHub {
    package func enableApp(_ app: FakeGitHubApp) {
        self.app = app
    }

    /// The next installation-token requests answer these statuses (502, 503…) before one succeeds.
    package func failNextInstallationTokens(_ statuses: Int...) {
        appTokenFaults += statuses
    }

    /// The app's installation does not cover `repository`: its installation lookup answers 404.
    package func uninstallApp(from repository: String) {
        uninstalledRepositories.insert(repository)
    }

    /// Every installation token issued so far (for tests that look for them where they must not be).
    package var issuedInstallationTokens: [String] { Array(installationTokens.keys) }

    /// Makes every installation token issued so far expire now (as an hour passing would).
    package func expireInstallationTokens() {
        for key in installationTokens.keys { installationTokens[key] = .distantPast }
    }

    func isLiveInstallationToken(_ header: String) -> Bool {
        let token = header.split(separator: " ").last.map(String.init) ?? ""
        guard let expiry = installationTokens[token] else { return false }
        return expiry > Date()
    }

    nonisolated func addAppRoutes(to router: Router<BasicRequestContext>) {
        router.get("/app") { request, _ in
            await self.withApp(request) { app in Self.json(.ok, ["id": app.id, "slug": app.slug, "name": app.slug]) }
        }
        router.get("/repos/:owner/:repo/installation") { request, context in
            let repository = Self.repository(context)
            return await self.withApp(request) { app in
                if await self.uninstalledRepositories.contains(repository) {
                    return Self.json(.notFound, ["message": "Not Found", "documentation_url": "https://docs.github.com/rest/apps/apps"])
                }
                return Self.json(.ok, ["id": app.installationID, "app_id": app.id, "account": ["login": repository.split(separator: "/").first.map(String.init) ?? ""]])
            }
        }
        for path in ["/orgs/:owner/installation", "/users/:owner/installation"] {
            router.get(RouterPath(path)) { request, context in
                let owner = context.parameters.get("owner") ?? ""
                return await self.withApp(request) { app in
                    Self.json(.ok, ["id": app.installationID, "app_id": app.id, "account": ["login": owner]])
                }
            }
        }
        router.post("/app/installations/:id/access_tokens") { request, context in
            let id = context.parameters.get("id", as: Int64.self) ?? -1
            return await self.withApp(request) { app in
                guard id == app.installationID else { return Self.json(.notFound, ["message": "Not Found"]) }
                return await self.issueInstallationToken(lifetime: app.tokenLifetime)
            }
        }
    }

    private func issueInstallationToken(lifetime: TimeInterval) -> Response {
        if !appTokenFaults.isEmpty {
            let status = appTokenFaults.removeFirst()
            return Self.json(.init(code: status), ["message": "Server Error"])
        }
        installationTokensIssued += 1
        let token = "ghs_inst_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24))"
        let expiry = Date().addingTimeInterval(lifetime)
        installationTokens[token] = expiry
        let formatter = ISO8601DateFormatter()
        return Self.json(.created, ["token": token, "expires_at": formatter.string(from: expiry), "permissions": ["contents": "read"]])
    }

    private func withApp(_ request: Request, _ answer: (FakeGitHubApp) async -> Response) async -> Response {
        guard let app else { return Self.json(.notFound, ["message": "Not Found"]) }
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer "), verify(jwt: String(header.dropFirst(7)), app: app) else {
            refusedJWTs += 1
            return Self.json(
                .unauthorized,
                ["message": "A JSON web token could not be decoded", "documentation_url": "https://docs.github.com/rest"])
        }
        return await answer(app)
    }

    private func verify(jwt: String, app: FakeGitHubApp) -> Bool {
        struct Header: Decodable { var alg: String }
        struct Claims: Decodable { var iat: Int; var exp: Int; var iss: String }
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URL(parts[0]), let claimsData = Self.base64URL(parts[1]),
            let signature = Self.base64URL(parts[2]),
            let header = try? JSONDecoder().decode(Header.self, from: headerData), header.alg == "RS256",
            let claims = try? JSONDecoder().decode(Claims.self, from: claimsData)
        else { return false }
        let signed = app.publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: Data("\(parts[0]).\(parts[1])".utf8)),
            padding: .insecurePKCS1v1_5)
        let now = Int(Date().timeIntervalSince1970)
        return signed && claims.iss == String(app.id) && claims.iat <= now + 60 && claims.exp > now
            && claims.exp - claims.iat <= 600
    }

    static func base64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
