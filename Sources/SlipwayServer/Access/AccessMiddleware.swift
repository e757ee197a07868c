import Foundation
package import Hummingbird
import Logging
import NIOCore
import SlipwayHTTP

/// The gate every route passes: webhooks, health checks, the login pages and static assets are
/// public; everything else needs an API token or a browser session, and every state-changing
/// request from a browser session needs its CSRF token. Adds the dashboard's security headers.
package struct AccessMiddleware: RouterMiddleware {
    package typealias Context = SlipwayRequestContext
    let policy: AccessPolicy

    package init(policy: AccessPolicy) {
        self.policy = policy
    }

    /// Paths anyone may call. Prefixed ones take exactly one plain segment (`/webhooks/github`), so
    /// `/webhooks/../api/…` is never public, whatever a router might make of it.
    static func isPublic(_ path: String) -> Bool {
        isSingleSegment(path, under: "/webhooks/") || path == "/healthz" || path == "/readyz" || path == "/login"
            || path == "/auth/github" || path == "/auth/github/callback" || isSingleSegment(path, under: "/assets/")
    }

    static func isSingleSegment(_ path: String, under prefix: String) -> Bool {
        guard path.hasPrefix(prefix) else { return false }
        let rest = path.dropFirst(prefix.count)
        return !rest.isEmpty && !rest.contains("..")
            && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if Self.isSingleSegment(path, under: "/webhooks/") { return try await next(request, context) }  // the hot path: nothing added
        var context = context
        let readOnly = request.method == .get || request.method == .head
        if Self.isPublic(path) { return Self.secured(try await next(request, context)) }
        if policy.isPublic && readOnly {
            context.viewer = policy.viewer(of: request) ?? Viewer(kind: .anonymous)
            return Self.secured(try await next(request, context))
        }
        guard let viewer = policy.viewer(of: request) else {
            context.logger.info("protected route refused without credentials", metadata: ["path": "\(path)"])
            return Self.secured(unauthorized(request))
        }
        context.viewer = viewer
        var request = request
        if !readOnly {
            if !Self.isSameOrigin(request, publicURL: policy.publicURL) {
                context.logger.warning("cross-origin request to a protected route refused", metadata: ["path": "\(path)"])
                return Self.secured(Pages.message(.forbidden, title: "Refused", text: "This request came from another site."))
            }
            if let claims = viewer.session {
                var token = request.headers[.init("X-CSRF-Token")!]
                if token == nil {
                    let body = try await request.collectBody(upTo: 64 * 1024)
                    token = FormFields(String(buffer: body))["csrf"]
                }
                guard let token, policy.sessions.isValidCSRFToken(token, for: claims) else {
                    context.logger.warning("request without a valid CSRF token refused", metadata: ["path": "\(path)"])
                    return Self.secured(
                        Pages.message(
                            .forbidden, title: "Refused",
                            text: "The form's security token is missing or out of date. Reload the page and try again."))
                }
            }
        }
        var response = try await next(request, context)
        response.headers[.cacheControl] = "no-store"
        return Self.secured(response)
    }

    /// 401: JSON for the API and metrics (and for clients that do not ask for HTML), the login page
    /// for browsers — or, when no credential is configured at all, a page naming the key to set.
    func unauthorized(_ request: Request) -> Response {
        let path = request.uri.path
        let wantsHTML = (request.headers[.accept] ?? "").contains("text/html")
        if path.hasPrefix("/api/") || path == "/metrics" || !wantsHTML {
            let message =
                policy.hasCredentials
                ? "authentication required: send Authorization: Bearer <token>, a token listed in server.access.api_tokens"
                : "authentication required, and no credential is configured: set server.access.api_tokens (for example [\"${SLIPWAY_API_TOKEN}\"]) and send Authorization: Bearer <token>"
            var response = jsonResponse(.unauthorized, ["error": message])
            response.headers[.wwwAuthenticate] = "Bearer realm=\"slipway\""
            return response
        }
        guard policy.hasCredentials else { return Pages.noCredentialConfigured() }
        let target = path + (request.uri.query.map { "?\($0)" } ?? "")
        let next = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
        return Response(status: .seeOther, headers: [.location: "/login?next=\(next)"])
    }

    /// A state-changing request must come from this server's own pages: when the browser names
    /// the page's origin, it must be `public_url`'s origin or this request's host (a reverse proxy
    /// may rewrite `Host`, so `public_url` counts too). Browsers send `Origin: null` for a
    /// same-origin form under `Referrer-Policy: no-referrer`, so `null` says nothing either way:
    /// the CSRF tokens decide then.
    static func isSameOrigin(_ request: Request, publicURL: String?) -> Bool {
        guard let origin = request.headers[.origin], origin != "null" else { return true }  // non-browser clients send none
        if let publicURL, let own = Origin(publicURL), Origin(origin) == own { return true }
        guard let host = URL(string: origin)?.host, let authority = request.head.authority else { return false }
        let port = URL(string: origin)?.port.map { ":\($0)" } ?? ""
        return (host + port).lowercased() == authority.lowercased() || host.lowercased() == authority.lowercased()
    }

    /// Headers every dashboard and login response carries.
    static func secured(_ response: Response) -> Response {
        var response = response
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}

/// `application/x-www-form-urlencoded` fields (the login and sign-out forms).
struct FormFields {
    private var values: [String: String] = [:]

    init(_ body: String) {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            guard let name = parts.first else { continue }
            values[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
    }

    subscript(_ name: String) -> String? { values[name] }
}
