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
        self.cache = AccessTokenCache(provider: "amazon", refreshMargin: Self.refreshMargin, now: now)
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
        let endpoint = TokenEndpoint(
            step: Self.step, url: tokenURL, http: http, retryPolicy: retryPolicy, now: now,
            missingTokenHint: "check that token_url points at Login with Amazon (https://api.amazon.com/auth/o2/token)")
        let form = [
            ("grant_type", "client_credentials"), ("client_id", clientID.revealed),
            ("client_secret", clientSecret.revealed), ("scope", Self.scope),
        ].map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        let url = tokenURL
        return try await endpoint.fetch(logger: logger, secrets: [clientSecret.revealed]) { _ in
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Accept", value: "application/json")
            request.body = .bytes(ByteBuffer(string: form))
            return (request, [])
        } refusal: { response, secrets in
            let retryable = RetryPolicy.isRetryable(status: response.status)
            if let error = try? JSONDecoder().decode(TokenErrorResponse.self, from: response.bodyData) {
                let said = error.error_description.map { "\(error.error): \"\($0)\"" } ?? error.error
                return StoreCallFailure(
                    step: Self.step,
                    message: Redaction.scrub("Login with Amazon answered HTTP \(response.status) \(said)", secrets: secrets),
                    hint: Self.hint(forTokenError: error.error), httpStatus: response.status, isRetryable: retryable)
            }
            let excerpt = Redaction.scrub(String(response.bodyText.prefix(200)), secrets: secrets)
            return StoreCallFailure(
                step: Self.step,
                message: "\(Redaction.withoutQuery(url)) answered HTTP \(response.status)" + (excerpt.isEmpty ? "" : ": \(excerpt)"),
                httpStatus: response.status, isRetryable: retryable)
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
