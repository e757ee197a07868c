package import Crypto
package import Foundation
import SlipwayHTTP

/// A stateless, signed browser session: `v1.<claims>.<HMAC-SHA256>`, both parts base64url.
///
/// Stateless so every replica accepts every session with no table to share — only the key, which
/// comes from `server.access.session_key` or is generated once and kept in the job store.
package struct SessionCookie: Sendable {
    package static let name = "slipway_session"
    /// Holds the GitHub sign-in's `state` between the redirect to GitHub and the callback.
    package static let oauthStateName = "slipway_oauth"
    /// Holds the login form's nonce: its CSRF token is derived from it (there is no session yet).
    package static let loginNonceName = "slipway_login"

    package struct Claims: Codable, Sendable, Equatable {
        /// `token` or `github:LOGIN`.
        package var subject: String
        /// Unix seconds.
        package var expires: Int64
        /// Random per session; the CSRF token is derived from it.
        package var nonce: String
        /// Only in the OAuth state cookie: where to go after signing in.
        package var next: String?
    }

    let key: SymmetricKey

    package init(key: SymmetricKey) {
        self.key = key
    }

    package func encode(_ claims: Claims) -> String {
        let body = Self.base64url(Data((try? JSONEncoder().encode(claims)) ?? Data()))
        let signature = Self.base64url(Data(HMAC<SHA256>.authenticationCode(for: Data("v1.\(body)".utf8), using: key)))
        return "v1.\(body).\(signature)"
    }

    /// The claims of a cookie this key signed and that has not expired; nil for anything else.
    package func decode(_ value: String, now: Date) -> Claims? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let signature = Self.data(base64url: String(parts[2])),
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data("v1.\(parts[1])".utf8), using: key),
            let body = Self.data(base64url: String(parts[1])),
            let claims = try? JSONDecoder().decode(Claims.self, from: body),
            Int64(now.timeIntervalSince1970) < claims.expires
        else { return nil }
        return claims
    }

    /// The CSRF token for a session: forms carry it, and only a page of this server can know it.
    package func csrfToken(for claims: Claims) -> String {
        csrfToken(nonce: claims.nonce)
    }

    package func isValidCSRFToken(_ token: String, for claims: Claims) -> Bool {
        isValidCSRFToken(token, nonce: claims.nonce)
    }

    /// The CSRF token for a nonce that is not a session's (the login form's).
    package func csrfToken(nonce: String) -> String {
        Self.base64url(Data(HMAC<SHA256>.authenticationCode(for: Data("csrf.\(nonce)".utf8), using: key)))
    }

    package func isValidCSRFToken(_ token: String, nonce: String) -> Bool {
        guard let given = Self.data(base64url: token) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data("csrf.\(nonce)".utf8), using: key)
    }

    package static func randomToken(bytes: Int = 32) -> String {
        base64url(Data((0..<bytes).map { _ in UInt8.random(in: 0...255) }))
    }

    static func base64url(_ data: Data) -> String {
        Base64URL.encode(data)
    }

    static func data(base64url text: String) -> Data? {
        Base64URL.decode(text)
    }
}
