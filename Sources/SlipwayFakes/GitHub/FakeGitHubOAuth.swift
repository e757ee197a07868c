import Foundation
import Hummingbird
package import Logging
import NIOCore

/// GitHub's OAuth web flow and the endpoints a sign-in checks, on one loopback base URL (it stands
/// in for both `https://github.com` and `https://api.github.com`):
///
/// - `GET /login/oauth/authorize`: the person "approves" at once as `signedInAs` and is sent to
///   `redirect_uri?code=…&state=…` (an unknown `client_id` gets GitHub's 404 page).
/// - `POST /login/oauth/access_token`: code → token; a code works once, only with the right client
///   secret and the same `redirect_uri`; errors as GitHub sends them (HTTP 200 with `error`).
/// - `GET /user`, `GET /user/memberships/orgs/{org}`, `GET /orgs/{org}/teams/{team}/memberships/{user}`.
package actor FakeGitHubOAuth {
    package struct User: Sendable {
        package var login: String
        package var orgs: Set<String>
        /// `org/team-slug`.
        package var teams: Set<String>

        package init(login: String, orgs: Set<String> = [], teams: Set<String> = []) {
            self.login = login
            self.orgs = orgs
            self.teams = teams
        }
    }

    package let clientID: String
    package let clientSecret: String
    /// Who approves the next authorization.
    package var signedInAs: User
    private var codes: [String: (user: User, redirectURI: String)] = [:]
    private var tokens: [String: User] = [:]
    /// Every `redirect_uri` the authorize page was given.
    package private(set) var redirectURIs: [String] = []
    /// Code exchanges that were refused.
    package private(set) var refusedExchanges = 0

    package init(clientID: String, clientSecret: String, signedInAs: User) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.signedInAs = signedInAs
    }

    package func signIn(as user: User) {
        signedInAs = user
    }

    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        let router = Router(context: BasicRequestContext.self)
        router.get("/login/oauth/authorize") { request, _ in
            let query = request.uri.queryParameters
            return await self.authorize(
                clientID: query.get("client_id"), redirectURI: query.get("redirect_uri"), state: query.get("state"))
        }
        router.post("/login/oauth/access_token") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            return await self.exchange(Data(body.readableBytesView), accept: request.headers[.accept] ?? "")
        }
        router.get("/user") { request, _ in
            guard let user = await self.user(request) else { return Self.badCredentials() }
            return Self.json(.ok, ["login": user.login, "id": abs(user.login.hashValue % 100_000), "type": "User"])
        }
        router.get("/user/memberships/orgs/:org") { request, context in
            guard let user = await self.user(request) else { return Self.badCredentials() }
            let org = context.parameters.get("org")?.lowercased() ?? ""
            guard user.orgs.contains(org) else { return Self.json(.notFound, ["message": "Not Found"]) }
            return Self.json(.ok, ["state": "active", "role": "member", "organization": ["login": org]])
        }
        router.get("/orgs/:org/teams/:team/memberships/:user") { request, context in
            guard let user = await self.user(request) else { return Self.badCredentials() }
            let team = "\(context.parameters.get("org") ?? "")/\(context.parameters.get("team") ?? "")".lowercased()
            guard user.teams.contains(team), context.parameters.get("user")?.lowercased() == user.login.lowercased() else {
                return Self.json(.notFound, ["message": "Not Found"])
            }
            return Self.json(.ok, ["state": "active", "role": "member"])
        }
        return try await FakeServer.run(router, name: "github-oauth", logLevel: logLevel, body: body)
    }

    private func authorize(clientID: String?, redirectURI: String?, state: String?) -> Response {
        guard clientID == self.clientID, let redirectURI, var target = URLComponents(string: redirectURI) else {
            return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "Not Found")))
        }
        redirectURIs.append(redirectURI)
        let code = "code-\(UUID().uuidString.prefix(12))"
        codes[code] = (signedInAs, redirectURI)
        target.queryItems = (target.queryItems ?? []) + [.init(name: "code", value: code), .init(name: "state", value: state)]
        return Response(status: .found, headers: [.location: target.string ?? redirectURI])
    }

    private func exchange(_ body: Data, accept: String) -> Response {
        var fields: [String: String] = [:]
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            for (key, value) in object { fields[key] = "\(value)" }
        } else {
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
        }
        func error(_ code: String, _ description: String) -> Response {
            refusedExchanges += 1
            return Self.json(.ok, ["error": code, "error_description": description])
        }
        guard fields["client_id"] == clientID, fields["client_secret"] == clientSecret else {
            return error("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
        }
        guard let code = fields["code"], let grant = codes.removeValue(forKey: code) else {
            return error("bad_verification_code", "The code passed is incorrect or expired.")
        }
        guard fields["redirect_uri"] == nil || fields["redirect_uri"] == grant.redirectURI else {
            return error("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.")
        }
        let token = "gho_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        tokens[token] = grant.user
        guard accept.contains("application/json") else {
            return Response(
                status: .ok, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: .init(byteBuffer: ByteBuffer(string: "access_token=\(token)&scope=read%3Aorg&token_type=bearer")))
        }
        return Self.json(.ok, ["access_token": token, "scope": "read:org", "token_type": "bearer"])
    }

    private func user(_ request: Request) -> User? {
        guard let header = request.headers[.authorization] else { return nil }
        let token = header.split(separator: " ").last.map(String.init) ?? ""
        return tokens[token]
    }

    static func badCredentials() -> Response {
        json(.unauthorized, ["message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"])
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        FakeServer.json(status, object)
    }
}
