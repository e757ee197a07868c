import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayHTTP

/// Why a GitHub sign-in did not let someone in, in words for the person at the browser. Never
/// carries the OAuth code, the client secret or the user's access token.
enum SignInError: Error, CustomStringConvertible, Equatable {
    /// GitHub refused the code exchange (`bad_verification_code`, a wrong client secret, …).
    case exchange(String)
    /// GitHub's API did not answer as documented.
    case github(step: String, status: Int, message: String)
    case transport(step: String)
    /// The user is not in `allowed_users`, `allowed_orgs` or `allowed_teams`.
    case notAllowed(login: String)

    var description: String {
        switch self {
        case .exchange(let said): "GitHub did not accept the sign-in: \(said). Start again from the login page."
        case .github(let step, let status, let message): "GitHub answered \(status) while trying to \(step): \(message)"
        case .transport(let step): "GitHub could not be reached while trying to \(step); try again in a moment"
        case .notAllowed(let login):
            "GitHub user \(login) may not use this Slipway: ask an administrator to add you to server.access.github "
                + "(allowed_users, allowed_orgs or allowed_teams)"
        }
    }
}

/// The server side of GitHub's OAuth web flow: code → user token → login → membership checks.
/// Web and API base URLs come from the config, so GitHub Enterprise Server works the same way.
struct GitHubSignInClient: Sendable {
    let settings: GitHubSignIn
    let clientSecret: Secret
    let http: OutboundHTTP

    /// The authorize page to send the browser to.
    func authorizeURL(redirectURI: String, state: String) -> String {
        var parts = URLComponents(string: settings.webURL + "/login/oauth/authorize")!
        parts.queryItems = [
            .init(name: "client_id", value: settings.clientID), .init(name: "redirect_uri", value: redirectURI),
            .init(name: "state", value: state), .init(name: "scope", value: "read:org"),
            .init(name: "allow_signup", value: "false"),
        ]
        return parts.string!
    }

    /// Signs `code` in: the GitHub login when the user may enter.
    func signIn(code: String, redirectURI: String) async throws(SignInError) -> String {
        let token = try await exchange(code: code, redirectURI: redirectURI)
        let (status, user) = try await get("/user", token: token, step: "read your GitHub user")
        guard status == 200, let login = user["login"] as? String else {
            throw .github(step: "read your GitHub user", status: status, message: Self.message(user))
        }
        let lowered = login.lowercased()
        if settings.allowedUsers.contains(lowered) { return login }
        for org in settings.allowedOrgs {
            let (status, membership) = try await get("/user/memberships/orgs/\(org)", token: token, step: "check membership of \(org)")
            if status == 200, membership["state"] as? String == "active" { return login }
        }
        for team in settings.allowedTeams {
            let parts = team.split(separator: "/")
            let (status, membership) = try await get(
                "/orgs/\(parts[0])/teams/\(parts[1])/memberships/\(login)", token: token, step: "check membership of team \(team)")
            if status == 200, membership["state"] as? String == "active" { return login }
        }
        throw .notAllowed(login: login)
    }

    private func exchange(code: String, redirectURI: String) async throws(SignInError) -> String {
        var request = HTTPClientRequest(url: settings.webURL + "/login/oauth/access_token")
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Content-Type", value: "application/json")
        let body: [String: String] = [
            "client_id": settings.clientID, "client_secret": clientSecret.revealed, "code": code, "redirect_uri": redirectURI,
        ]
        request.body = .bytes(ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: body)) ?? Data()))
        let (status, answer) = try await send(request, step: "exchange the sign-in code")
        if let token = answer["access_token"] as? String, !token.isEmpty { return token }
        let said = (answer["error_description"] as? String) ?? (answer["error"] as? String) ?? "HTTP \(status)"
        throw .exchange(said)
    }

    private func get(_ path: String, token: String, step: String) async throws(SignInError) -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: settings.apiURL + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/vnd.github+json")
        request.headers.add(name: "X-GitHub-Api-Version", value: "2022-11-28")
        return try await send(request, step: step)
    }

    private func send(_ request: HTTPClientRequest, step: String) async throws(SignInError) -> (Int, [String: Any]) {
        let reply: (Int, Data)
        do {
            reply = try await http.withResponse(request, trust: .configured, timeout: .seconds(20)) { response, _ in
                (Int(response.status.code), Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
            }
        } catch {
            throw .transport(step: step)
        }
        let object = (try? JSONSerialization.jsonObject(with: reply.1)) as? [String: Any] ?? [:]
        return (reply.0, object)
    }

    static func message(_ object: [String: Any]) -> String {
        (object["message"] as? String) ?? "no message"
    }
}
