import Foundation
import Hummingbird
import Logging
import NIOCore
import SlipwayCore

/// `GET/POST /login` (an API token signs a browser in), `POST /logout`, and the stylesheet.
struct LoginController: Sendable {
    let access: AccessPolicy
    let limiter: FailureLimiter
    let trustedProxies: [NetworkRange]

    func addRoutes(to router: Router<SlipwayRequestContext>) {
        router.get("/assets/slipway.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: Pages.stylesheet)))
        }
        router.get("/login") { request, _ in
            guard access.hasCredentials else { return Pages.noCredentialConfigured() }
            let notice = request.uri.queryParameters.get("signed_out") != nil ? "You are signed out." : nil
            let error = request.uri.queryParameters.get("error")
            return loginResponse(next: Self.safeNext(request.uri.queryParameters.get("next")), error: error, notice: notice)
        }
        router.post("/login") { request, context in
            guard access.hasCredentials else { return Pages.noCredentialConfigured() }
            guard AccessMiddleware.isSameOrigin(request, publicURL: access.publicURL) else {
                return Pages.message(.forbidden, title: "Refused", text: "This sign-in came from another site.")
            }
            let peer = WebhookController.peer(request, context, trusting: trustedProxies)
            if let wait = await limiter.retryAfter(for: peer) {
                var response = loginResponse(next: "/", error: "Too many wrong tokens. Try again in \(wait) s.", status: .tooManyRequests)
                response.headers[.retryAfter] = String(wait)
                return response
            }
            var request = request
            let form = FormFields(String(buffer: try await request.collectBody(upTo: 16 * 1024)))
            let next = Self.safeNext(form["next"])
            // Login CSRF: the form's token must match the nonce cookie this server set with the form.
            guard let nonce = request.cookies[SessionCookie.loginNonceName]?.value, let token = form["csrf"],
                access.sessions.isValidCSRFToken(token, nonce: nonce)
            else {
                context.logger.warning("login without the login form's token refused")
                return loginResponse(next: next, error: "The sign-in form expired. Please try again.", status: .forbidden)
            }
            guard let token = form["token"], !token.isEmpty, access.isAPIToken(token) else {
                if await limiter.recordFailure(for: peer) {
                    context.logger.warning("login attempts from one address are now refused for a while", metadata: ["peer": "\(peer)"])
                }
                context.logger.info("login with a wrong token refused")
                return loginResponse(
                    next: next, error: "That is not one of the tokens in server.access.api_tokens.", status: .unauthorized)
            }
            var response = Response(status: .seeOther, headers: [.location: next])
            response.setCookie(access.startSession(subject: "token"))
            response.setCookie(access.cookie(SessionCookie.loginNonceName, "", maxAge: 0))
            context.logger.info("signed in with an API token")
            return response
        }
        router.post("/logout") { _, _ in
            var response = Response(status: .seeOther, headers: [.location: "/login?signed_out=1"])
            response.setCookie(access.cookie(SessionCookie.name, "", maxAge: 0))
            return response
        }
    }

    /// The login page with a fresh form nonce (cookie) and the CSRF token derived from it.
    func loginResponse(next: String, error: String? = nil, notice: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let nonce = SessionCookie.randomToken()
        var response = html(
            loginPage(next: next, csrf: access.sessions.csrfToken(nonce: nonce), error: error, notice: notice), status: status)
        response.setCookie(access.cookie(SessionCookie.loginNonceName, nonce, maxAge: 3600))
        return response
    }

    func loginPage(next: String, csrf: String, error: String? = nil, notice: String? = nil) -> String {
        var body = ""
        if let error { body += "<p class=\"error\" id=\"error\">\(escape(error))</p>" }
        if let notice { body += "<p class=\"notice\" id=\"notice\">\(escape(notice))</p>" }
        if access.github != nil {
            let query = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
            body += "<p><a id=\"github-sign-in\" href=\"/auth/github?next=\(escape(query))\">Sign in with GitHub</a></p>"
        }
        if access.acceptsTokens {
            body += """
                <form method="post" action="/login">
                <input type="hidden" name="next" value="\(escape(next))">
                <input type="hidden" name="csrf" value="\(escape(csrf))">
                <label>API token <input type="password" name="token" id="token" autocomplete="current-password" required></label>
                <button type="submit" id="sign-in">Sign in</button>
                </form>
                """
        }
        return Pages.page(title: "Sign in to Slipway", body: body)
    }

    /// Only paths on this server: `/x`, never `//host` or a full URL (no open redirect).
    static func safeNext(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"), !text.contains("\n") else { return "/" }
        return text
    }
}
