import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore
import SlipwayHTTP

/// One exchange with an OAuth token endpoint, retried by the store's policy — the part Google's
/// service-account grant, Login with Amazon and Digital Turbine's client credentials share. Each
/// flow supplies its request and what its service's refusals mean; `AccessTokenCache` keeps the
/// result. Secrets named by the flow never reach a failure's text.
struct TokenEndpoint: Sendable {
    /// The step failures name ("get an access token").
    let step: String
    let url: String
    let http: StoreHTTPClient
    let retryPolicy: RetryPolicy
    let now: @Sendable () -> Date
    /// Said with a retryable connection failure ("Login with Amazon could not be reached…"), if anything.
    var unreachableHint: String?
    /// Said when the endpoint answers success without an `access_token`.
    let missingTokenHint: String
    /// Which statuses carry a token (Google and Amazon: 200; DT: any 2xx).
    var carriesToken: @Sendable (Int) -> Bool = { $0 == 200 }

    struct TokenResponse: Decodable {
        var access_token: String
        var expires_in: Double?
    }

    /// - Parameters:
    ///   - request: builds one attempt's request, and the secrets it carries (a signed assertion).
    ///   - refusal: the flow's failure for an answer without a token (its words, hint and retryability).
    func fetch(
        logger: Logger, secrets: [String],
        request: @Sendable (Date) throws(StoreCallFailure) -> (HTTPClientRequest, [String]),
        refusal: @Sendable (StoreHTTPResponse, [String]) -> StoreCallFailure
    ) async throws(StoreCallFailure) -> AccessToken {
        let safeURL = Redaction.withoutQuery(url)
        return try await retryPolicy.run(step: step) { (number) async throws(StoreCallFailure) -> RetryPolicy.Attempt<AccessToken, StoreCallFailure> in
            if number > 1 { logger.info("retrying the token request", metadata: ["attempt": "\(number)", "url": "\(safeURL)"]) }
            let issuedAt = now()
            let (built, attemptSecrets) = try request(issuedAt)
            let hidden = secrets + attemptSecrets
            let response: StoreHTTPResponse
            do {
                response = try await http.send(built, timeout: http.timeouts.api, logger: logger)
            } catch let error as StoreTransportError {
                let failure = StoreCallFailure(
                    step: step, message: Redaction.scrub(error.description, secrets: hidden),
                    hint: error.isRetryable ? unreachableHint : nil, isRetryable: error.isRetryable)
                if error.isRetryable { return .retry(failure, retryAfter: nil) }
                throw failure
            } catch let error as OutboundRefusal {
                throw StoreCallFailure(step: step, message: error.description, isRetryable: false)
            } catch {
                throw StoreCallFailure(step: step, message: "cancelled", isRetryable: true)
            }
            if carriesToken(response.status) {
                guard let answer = try? JSONDecoder().decode(TokenResponse.self, from: response.bodyData), !answer.access_token.isEmpty
                else {
                    throw StoreCallFailure(
                        step: step, message: "\(safeURL) answered HTTP \(response.status) without an access_token",
                        hint: missingTokenHint, httpStatus: response.status, isRetryable: false)
                }
                let lifetime = answer.expires_in ?? 3600
                logger.debug("fetched an access token", metadata: ["url": "\(safeURL)", "expires_in": "\(lifetime)"])
                return .success(AccessToken(value: Secret(answer.access_token), expiresAt: issuedAt.addingTimeInterval(lifetime)))
            }
            let failure = refusal(response, hidden)
            if failure.isRetryable { return .retry(failure, retryAfter: RetryPolicy.retryAfter(response.header("Retry-After"))) }
            throw failure
        }
    }
}
