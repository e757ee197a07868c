package import Crypto
package import Foundation
package import Hummingbird
package import SlipwayCore

/// The resolved access settings: API tokens (compared in constant time), the session key, and
/// GitHub sign-in. Built once at startup; a secret that cannot be read stops the start.
package struct AccessPolicy: Sendable {
    /// SHA-256 of each API token: equal-length digests compared without an early exit.
    let tokenDigests: [SHA256.Digest]
    package let sessions: SessionCookie
    package let sessionLifetime: TimeInterval
    /// Cookies get `Secure` when `server.public_url` is https.
    package let secureCookies: Bool
    package let github: GitHubSignIn?
    package let githubClientSecret: Secret?
    package let isPublic: Bool
    package let publicURL: String?

    package init(
        apiTokens: [Secret], sessionKey: SymmetricKey, sessionHours: Int, github: GitHubSignIn?, githubClientSecret: Secret?,
        isPublic: Bool, publicURL: String?
    ) {
        self.tokenDigests = apiTokens.map { SHA256.hash(data: Data($0.revealed.utf8)) }
        self.sessions = SessionCookie(key: sessionKey)
        self.sessionLifetime = TimeInterval(sessionHours) * 3600
        self.github = github
        self.githubClientSecret = githubClientSecret
        self.isPublic = isPublic
        self.publicURL = publicURL
        self.secureCookies = publicURL?.lowercased().hasPrefix("https://") ?? false
    }

    /// True when a token or GitHub sign-in can open the protected routes.
    package var hasCredentials: Bool { !tokenDigests.isEmpty || github != nil }

    /// True when the login page offers the token form.
    package var acceptsTokens: Bool { !tokenDigests.isEmpty }

    /// Whether `candidate` is one of the API tokens. Every token is compared, each in constant time.
    package func isAPIToken(_ candidate: String) -> Bool {
        let digest = SHA256.hash(data: Data(candidate.utf8))
        var matched = false
        for known in tokenDigests {
            var difference: UInt8 = 0
            for (a, b) in zip(known, digest) { difference |= a ^ b }
            matched = matched || difference == 0
        }
        return matched
    }

    /// Who the request is from: a bearer API token or a valid session cookie; nil when neither.
    package func viewer(of request: Request, now: Date = Date()) -> Viewer? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            return isAPIToken(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) ? Viewer(kind: .apiToken) : nil
        }
        if let cookie = request.cookies[SessionCookie.name], let claims = sessions.decode(cookie.value, now: now),
            claims.next == nil
        {
            return Viewer(kind: .session(claims))
        }
        return nil
    }

    /// A new session for `subject`, as the cookie to set.
    package func startSession(subject: String, now: Date = Date()) -> Cookie {
        let claims = SessionCookie.Claims(
            subject: subject, expires: Int64(now.timeIntervalSince1970 + sessionLifetime), nonce: SessionCookie.randomToken())
        return cookie(SessionCookie.name, sessions.encode(claims), maxAge: Int(sessionLifetime))
    }

    /// A cookie with the attributes every Slipway cookie has: HttpOnly, SameSite=Lax, path /, Secure on https.
    ///
    /// Lax, not Strict: GitHub's redirect back to the callback is a cross-site navigation, and the
    /// OAuth state cookie must come along with it.
    package func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// Where this server is reached, for the OAuth callback: `public_url`, else the request's own host.
    package func ownBaseURL(for request: Request) -> String {
        if let publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        return "http://\(request.head.authority ?? "localhost")"
    }
}
