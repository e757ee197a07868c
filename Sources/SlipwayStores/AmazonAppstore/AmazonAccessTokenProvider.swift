import AsyncHTTPClient
package import Foundation
package import Logging
import NIOCore
import NIOHTTP1
import SlipwayHTTP
package import SlipwayCore

/// Hands out Login with Amazon tokens for one security profile (client-credentials grant, scope
/// `appstore::apps:readwrite`): reused until `refreshMargin` before they expire, fetched once for
/// any number of concurrent callers.
///
/// An actor because every delivery of the store shares it. Callers that get a 401 from the API
/// call `invalidate(_:)` with the refused token, then ask again.
package actor AmazonAccessTokenProvider {
    package static let scope = "appstore::apps:readwrite"
    /// Tokens are replaced this long before Amazon says they expire (they last an hour).
    package static let refreshMargin: TimeInterval = 5 * 60
    package static let step = "get access token"

    private let clientID: Secret
    private let clientSecret: Secret
    private let tokenURL: String
    private let http: StoreHTTPClient
    private let retryPolicy: RetryPolicy
    private let now: @Sendable () -> Date

    private let cache: AccessTokenCache<StoreCallFailure>
    /// How many tokens this provider has fetched (for logs and tests).
    package var fetchCount: Int { get async { await cache.fetchCount } }

    package init(
        clientID: Secret, clientSecret: Secret, tokenURL: String, http: StoreHTTPClient, retryPolicy: RetryPolicy,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenURL = tokenURL
        self.http = http
        self.retryPolicy = retryPolicy
        self.now = now
        self.cache = AccessTokenCache(refreshMargin: Self.refreshMargin, now: now)
    }

    /// A token good for at least `refreshMargin` more, from the cache or freshly fetched.
    package func token(logger: Logger) async throws(StoreCallFailure) -> AmazonAccessToken {
        try await cache.token { () async throws(StoreCallFailure) -> AccessToken in
            try await self.fetch(logger: logger)
        }
    }

    /// Forgets `token` after the API refused it; a newer token fetched meanwhile is kept.
    package func invalidate(_ token: AmazonAccessToken) async {
        await cache.invalidate(token)
    }

    private struct TokenResponse: Decodable {
        var access_token: String
        var expires_in: Double?
    }

    private struct TokenErrorResponse: Decodable {
        var error: String
        var error_description: String?
    }

    private static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    private func fetch(logger: Logger) async throws(StoreCallFailure) -> AmazonAccessToken {
        let safeURL = Redaction.withoutQuery(tokenURL)
        let secrets = [clientSecret.revealed]
        return try await retryPolicy.run {
            (_) async throws(StoreCallFailure) -> RetryPolicy.Attempt<AmazonAccessToken, StoreCallFailure> in
            let issuedAt = now()
            var request = HTTPClientRequest(url: tokenURL)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Accept", value: "application/json")
            let form = [
                ("grant_type", "client_credentials"), ("client_id", clientID.revealed),
                ("client_secret", clientSecret.revealed), ("scope", Self.scope),
            ].map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: form))

            let response: StoreHTTPResponse
            do {
                response = try await http.send(request, timeout: http.timeouts.api, logger: logger)
            } catch let error as StoreTransportError {
                let failure = StoreCallFailure(step: Self.step, message: error.description, isRetryable: error.isRetryable)
                if error.isRetryable { return .retry(failure, retryAfter: nil) }
                throw failure
            } catch {
                throw StoreCallFailure(step: Self.step, message: "cancelled", isRetryable: true)
            }

            if response.status == 200 {
                guard let body = try? JSONDecoder().decode(TokenResponse.self, from: response.bodyData),
                    !body.access_token.isEmpty
                else {
                    throw StoreCallFailure(
                        step: Self.step, message: "\(safeURL) answered 200 without an access_token",
                        hint: "check that token_url points at Login with Amazon (https://api.amazon.com/auth/o2/token)",
                        httpStatus: 200, isRetryable: false)
                }
                logger.debug("fetched a Login with Amazon token", metadata: ["expires_in": "\(body.expires_in ?? 3600)"])
                return .success(
                    AmazonAccessToken(
                        value: Secret(body.access_token), expiresAt: issuedAt.addingTimeInterval(body.expires_in ?? 3600)))
            }

            let retryable = RetryPolicy.isRetryable(status: response.status)
            let failure: StoreCallFailure
            if let error = try? JSONDecoder().decode(TokenErrorResponse.self, from: response.bodyData) {
                let said = error.error_description.map { "\(error.error): \"\($0)\"" } ?? error.error
                failure = StoreCallFailure(
                    step: Self.step,
                    message: Redaction.scrub("Login with Amazon answered HTTP \(response.status) \(said)", secrets: secrets),
                    hint: Self.hint(forTokenError: error.error), httpStatus: response.status, isRetryable: retryable)
            } else {
                let excerpt = Redaction.scrub(String(response.bodyText.prefix(200)), secrets: secrets)
                failure = StoreCallFailure(
                    step: Self.step,
                    message: "\(safeURL) answered HTTP \(response.status)" + (excerpt.isEmpty ? "" : ": \(excerpt)"),
                    httpStatus: response.status, isRetryable: retryable)
            }
            if retryable { return .retry(failure, retryAfter: RetryPolicy.retryAfter(response.header("Retry-After"))) }
            throw failure
        }
    }

    private static func hint(forTokenError error: String) -> String? {
        switch error {
        case "invalid_client":
            "check client_id and client_secret: they are the security profile's credentials (Developer Console → "
                + "Settings → Security Profiles → Web Settings); a stray newline in the secret is a common cause"
        case "invalid_scope", "unauthorized_client":
            "attach the security profile to the App Submission API (Developer Console → Apps & Services → API Access)"
        default:
            nil
        }
    }
}
