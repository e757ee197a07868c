import Foundation
import Hummingbird
import Logging
import SlipwayHTTP

/// `GET /auth/github` sends the browser to GitHub with a fresh `state`, kept in a signed,
/// short-lived cookie; `GET /auth/github/callback` checks it, exchanges the code, checks who the
/// user is and where they belong, and starts a session.
struct GitHubSignInController: Sendable {
    let access: AccessPolicy
    let client: GitHubSignInClient?

    init(access: AccessPolicy, http: OutboundHTTP) {
        self.access = access
        if let settings = access.github, let secret = access.githubClientSecret {
            client = GitHubSignInClient(settings: settings, clientSecret: secret, http: http)
        } else {
            client = nil
        }
    }

    func addRoutes(to router: Router<SlipwayRequestContext>) {
        router.get("/auth/github") { request, _ in
            guard let client else {
                return Pages.message(.notFound, title: "Not set up", text: "GitHub sign-in is not configured (server.access.github).")
            }
            let state = SessionCookie.randomToken()
            let next = LoginController.safeNext(request.uri.queryParameters.get("next"))
            let claims = SessionCookie.Claims(
                subject: "oauth-state", expires: Int64(Date().timeIntervalSince1970) + 600, nonce: state, next: next)
            var response = Response(
                status: .found,
                headers: [.location: client.authorizeURL(redirectURI: callbackURL(request), state: state)])
            response.setCookie(access.cookie(SessionCookie.oauthStateName, access.sessions.encode(claims), maxAge: 600))
            return response
        }
        router.get("/auth/github/callback") { request, context in
            guard let client else {
                return Pages.message(.notFound, title: "Not set up", text: "GitHub sign-in is not configured (server.access.github).")
            }
            let query = request.uri.queryParameters
            if let error = query.get("error") {
                return Pages.message(.forbidden, title: "Not signed in", text: "GitHub said: \(query.get("error_description") ?? error).")
            }
            guard let cookie = request.cookies[SessionCookie.oauthStateName],
                let claims = access.sessions.decode(cookie.value, now: Date()), let next = claims.next,
                let state = query.get("state"), state == claims.nonce, let code = query.get("code")
            else {
                context.logger.warning("GitHub sign-in callback with a missing or wrong state refused")
                return Pages.message(
                    .badRequest, title: "Sign-in expired",
                    text: "This sign-in link is not the one Slipway started, or it is older than 10 minutes. Start again from the login page.")
            }
            do throws(SignInError) {
                let login = try await client.signIn(code: String(code), redirectURI: callbackURL(request))
                var response = Response(status: .seeOther, headers: [.location: next])
                response.setCookie(access.startSession(subject: "github:\(login)"))
                response.setCookie(access.cookie(SessionCookie.oauthStateName, "", maxAge: 0))
                context.logger.info("signed in with GitHub", metadata: ["login": "\(login)"])
                return response
            } catch {
                context.logger.warning("GitHub sign-in refused", metadata: ["reason": "\(error)"])
                let status: HTTPResponse.Status =
                    switch error {
                    case .notAllowed: .forbidden
                    case .exchange: .badRequest
                    case .github, .transport: .badGateway
                    }
                var response = Pages.message(status, title: "Not signed in", text: error.description)
                response.setCookie(access.cookie(SessionCookie.oauthStateName, "", maxAge: 0))
                return response
            }
        }
    }

    func callbackURL(_ request: Request) -> String {
        access.ownBaseURL(for: request) + "/auth/github/callback"
    }
}
