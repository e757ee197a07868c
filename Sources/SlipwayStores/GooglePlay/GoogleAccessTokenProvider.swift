import AsyncHTTPClient
package import Foundation
package import Logging
import NIOCore
import NIOHTTP1
import SlipwayHTTP
import SlipwayCore

/// Hands out access tokens for one service account: fetched with a signed JWT, reused until five
/// minutes before they expire, and fetched once for any number of concurrent callers.
///
/// An actor because every upload of the store shares it. Callers that get a 401 from the API call
/// `invalidate(_:)` with the token that was refused, then ask again.
package actor GoogleAccessTokenProvider {
    /// Tokens are replaced this long before Google says they expire.
    package static let refreshMargin: TimeInterval = 5 * 60
    package static let step = "get access token"

    private let key: GoogleServiceAccountKey
    private let tokenURL: String
    private let scope: String
    private let http: StoreHTTPClient
    private let retryPolicy: RetryPolicy
    private let now: @Sendable () -> Date

    private let cache: AccessTokenCache<StoreCallFailure>
    /// How many tokens this provider has fetched (for logs and tests).
    package var fetchCount: Int { get async { await cache.fetchCount } }

    /// - Parameters:
    ///   - tokenURL: where to post the assertion; the key's `token_uri` unless the config overrides it.
    ///   - now: the clock; tests may move it.
    package init(
        key: GoogleServiceAccountKey, tokenURL: String, scope: String, http: StoreHTTPClient, retryPolicy: RetryPolicy,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.key = key
        self.tokenURL = tokenURL
        self.scope = scope
        self.http = http
        self.retryPolicy = retryPolicy
        self.now = now
        self.cache = AccessTokenCache(provider: "google", refreshMargin: Self.refreshMargin, now: now)
    }

    /// A token good for at least `refreshMargin` more, from the cache or freshly fetched.
    package func token(logger: Logger) async throws(StoreCallFailure) -> GoogleAccessToken {
        try await cache.token { () async throws(StoreCallFailure) -> AccessToken in
            try await self.fetch(logger: logger)
        }
    }

    /// Forgets `token` after the API refused it; a newer token fetched meanwhile is kept.
    package func invalidate(_ token: GoogleAccessToken) async {
        await cache.invalidate(token)
    }

    private struct TokenErrorResponse: Decodable {
        var error: String
        var error_description: String?
    }

    private func fetch(logger: Logger) async throws(StoreCallFailure) -> GoogleAccessToken {
        let endpoint = TokenEndpoint(
            step: Self.step, url: tokenURL, http: http, retryPolicy: retryPolicy, now: now,
            missingTokenHint: "check that token_url (or the key's token_uri) points at Google's token endpoint")
        let (key, scope, url) = (self.key, self.scope, tokenURL)
        return try await endpoint.fetch(logger: logger, secrets: []) { (issuedAt) throws(StoreCallFailure) in
            let assertion: String
            do {
                assertion = try GoogleJWTAssertion.make(key: key, scope: scope, audience: url, issuedAt: issuedAt)
            } catch {
                throw StoreCallFailure(
                    step: Self.step, message: "could not sign the token request with the service account key",
                    hint: "download a fresh JSON key for \(key.clientEmail)", isRetryable: false)
            }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Accept", value: "application/json")
            request.body = .bytes(ByteBuffer(string: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"))
            return (request, [assertion])
        } refusal: { response, secrets in
            let retryable = RetryPolicy.isRetryable(status: response.status)
            if let error = try? JSONDecoder().decode(TokenErrorResponse.self, from: response.bodyData) {
                let said = error.error_description.map { "\(error.error): \"\($0)\"" } ?? error.error
                return StoreCallFailure(
                    step: Self.step, message: Redaction.scrub("Google's token endpoint answered \(said)", secrets: secrets),
                    hint: Self.hint(forTokenError: error.error, description: error.error_description, account: key.clientEmail),
                    httpStatus: response.status, isRetryable: retryable)
            }
            let excerpt = Redaction.scrub(String(response.bodyText.prefix(200)), secrets: secrets)
            return StoreCallFailure(
                step: Self.step,
                message: "\(Redaction.withoutQuery(url)) answered HTTP \(response.status)" + (excerpt.isEmpty ? "" : ": \(excerpt)"),
                httpStatus: response.status, isRetryable: retryable)
        }
    }

    private static func hint(forTokenError error: String, description: String?, account: String) -> String? {
        switch error {
        case "invalid_grant":
            if let description, description.localizedCaseInsensitiveContains("timeframe") {
                return "check this machine's clock (Google refuses JWTs issued in the future or long ago)"
            }
            return "check that the key file is a current key of \(account) (keys can be deleted or rotated in "
                + "Google Cloud → IAM → Service accounts → Keys) and that this machine's clock is right"
        case "invalid_scope", "unauthorized_client":
            return "the service account \(account) may not request the androidpublisher scope; check the account in Google Cloud"
        default:
            return nil
        }
    }
}
