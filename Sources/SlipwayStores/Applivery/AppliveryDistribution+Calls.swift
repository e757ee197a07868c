import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import SlipwayCore

/// Request plumbing shared by Applivery's steps: retries, and failures that quote Applivery.
extension AppliveryDistribution {
    /// Sends the request `make` builds until it is answered with a status that is not worth another
    /// try (2xx, 3xx, 4xx other than 408/409/429), per `policy` (the store's `retryPolicy` unless a
    /// step decides its retries itself). The caller reads the answer.
    func send(
        step: String, policy: RetryPolicy? = nil, logger: Logger, _ make: () async throws -> StoreHTTPResponse
    ) async throws(StoreCallFailure) -> StoreHTTPResponse {
        try await (policy ?? retryPolicy).send(step: step, service: "Applivery", secrets: secrets, logger: logger, make) {
            failure($0, step: step)
        }
    }

    /// `GET endpoint` on Applivery's API with `bearer` (the app token unless given), answered as JSON.
    func getAPI(_ endpoint: String, bearer: Secret? = nil, logger: Logger) async throws -> StoreHTTPResponse {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer \((bearer ?? appToken).revealed)")
        request.headers.add(name: "Accept", value: "application/json")
        return try await http.send(request, timeout: http.timeouts.api, logger: logger)
    }

    /// The failure for an answer that is not what the step needed: Applivery's quoted message and
    /// code, a hint for the codes a user can act on, retryable per the HTTP status.
    func failure(_ response: StoreHTTPResponse, step: String, extraSecrets: [String] = [], hint: String? = nil)
        -> StoreCallFailure
    {
        let status = response.status
        let parsed = AppliveryAPIError.parse(response.bodyData)
        let message: String
        if let parsed {
            message = "Applivery answered HTTP \(status): \(parsed.quoted)"
        } else {
            let excerpt = String(response.bodyText.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
            message = "Applivery answered HTTP \(status)" + (excerpt.isEmpty ? "" : ": \(excerpt)")
        }
        let retryable = RetryPolicy.isRetryable(status: status)
        let defaultHint: String? =
            switch (parsed?.code, status) {
            case (AppliveryAPIError.Code.noAuthToken, _), (AppliveryAPIError.Code.invalidToken, _), (_, 401):
                "Applivery did not accept the token; check app_token (app Settings → Integrations → App API Token)"
            case (AppliveryAPIError.Code.entityNotFound, _), (_, 404):
                "Applivery does not know this entity; check organization and app_id"
            case (AppliveryAPIError.Code.uploadFailed, _):
                "Applivery could not take the file; check that the artifact is a valid APK or app bundle"
            case (_, 429):
                "Applivery is rate limiting; Slipway will try again"
            case (_, 500...599), (_, 408):
                "Applivery had a temporary problem; Slipway will try again"
            default:
                nil
            }
        return StoreCallFailure(
            step: step, message: Redaction.scrub(message, secrets: secrets + extraSecrets), hint: hint ?? defaultHint,
            httpStatus: status, isRetryable: retryable)
    }

    /// `base` + `path`, with one slash between them.
    func url(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// One path segment, percent-encoded.
    func segment(_ value: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
