import AsyncHTTPClient
package import Foundation
package import Logging
import NIOCore
import NIOHTTP1
import SlipwayHTTP
package import SlipwayCore

/// Hands out App Management API tokens for one DT client: fetched with the client credentials
/// (`POST {token_url}/api/auth/token`, JSON), reused until five minutes before their hour is up, and
/// fetched once for any number of concurrent callers.
///
/// An actor because every upload and status check of the store shares it. Callers that get a 401
/// from the API call `invalidate(_:)` with the refused token, then ask again.
package actor IgniteAccessTokenProvider {
    /// Tokens are replaced this long before DT says they expire.
    package static let refreshMargin: TimeInterval = 5 * 60
    package static let step = "get access token"

    private let clientID: String
    private let clientSecret: Secret
    private let tokenURL: String
    private let scope: String
    private let http: StoreHTTPClient
    private let retryPolicy: RetryPolicy
    private let now: @Sendable () -> Date

    private let cache: AccessTokenCache<StoreCallFailure>
    /// How many tokens this provider has fetched (for logs and tests).
    package var fetchCount: Int { get async { await cache.fetchCount } }

    /// - Parameters:
    ///   - tokenURL: the full token endpoint (`token_url` + `token_path`).
    ///   - now: the clock; tests may move it.
    package init(
        clientID: String, clientSecret: Secret, tokenURL: String, scope: String, http: StoreHTTPClient,
        retryPolicy: RetryPolicy, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenURL = tokenURL
        self.scope = scope
        self.http = http
        self.retryPolicy = retryPolicy
        self.now = now
        self.cache = AccessTokenCache(provider: "digital_turbine", refreshMargin: Self.refreshMargin, now: now)
    }

    /// A token good for at least `refreshMargin` more, from the cache or freshly fetched.
    package func token(logger: Logger) async throws(StoreCallFailure) -> IgniteAccessToken {
        try await cache.token { () async throws(StoreCallFailure) -> AccessToken in
            try await self.fetch(logger: logger)
        }
    }

    /// Forgets `token` after the API refused it; a newer token fetched meanwhile is kept.
    package func invalidate(_ token: IgniteAccessToken) async {
        await cache.invalidate(token)
    }

    private struct TokenRequest: Encodable {
        var client_id: String
        var client_secret: String
        var grant_type = "client_credentials"
        var scope: String
    }

    private func fetch(logger: Logger) async throws(StoreCallFailure) -> IgniteAccessToken {
        var endpoint = TokenEndpoint(
            step: Self.step, url: tokenURL, http: http, retryPolicy: retryPolicy, now: now,
            missingTokenHint: "check that token_url points at DT's Account Service (https://account.digitalturbine.com)")
        endpoint.unreachableHint = "DT's Account Service could not be reached; Slipway will try again"
        endpoint.carriesToken = { (200...299).contains($0) }
        let body: Data
        do {
            body = try JSONEncoder().encode(TokenRequest(client_id: clientID, client_secret: clientSecret.revealed, scope: scope))
        } catch {
            throw StoreCallFailure(step: Self.step, message: "could not encode the token request", isRetryable: false)
        }
        let url = tokenURL
        return try await endpoint.fetch(logger: logger, secrets: [clientSecret.revealed]) { _ in
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            return (request, [])
        } refusal: { response, secrets in
            let said = IgniteAPIError.parse(response.bodyData)?.quoted ?? IgniteAPIError.excerpt(response.bodyText)
            let hint: String? =
                switch response.status {
                case 400, 401, 403:
                    "DT's Account Service refused the client credentials; check client_id and client_secret with your DT representative"
                case 404, 405:
                    "check token_url and token_path (DT documents POST /api/auth/token on https://account.digitalturbine.com)"
                case 429:
                    "DT is rate limiting token requests; Slipway will try again"
                case 408, 500...599:
                    "DT's Account Service had a temporary problem; Slipway will try again"
                default:
                    nil
                }
            return StoreCallFailure(
                step: Self.step,
                message: Redaction.scrub(
                    "DT's Account Service answered HTTP \(response.status)" + (said.isEmpty ? "" : ": \(said)"), secrets: secrets),
                hint: hint, httpStatus: response.status, isRetryable: RetryPolicy.isRetryable(status: response.status))
        }
    }
}
