import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore
import SlipwayHTTP

/// Request plumbing shared by the upload and the status check: the bearer token (fetched again
/// once on a 401), retries, and failures that quote DT.
extension IgniteAppManagement {
    /// Sends the request `make` builds with a bearer token until it is answered with a status not
    /// worth another try (2xx, 3xx, 4xx other than 408/409/429), per `retryPolicy`. The caller reads
    /// the answer. A 401 drops the token and tries once more with a fresh one; a second 401 fails.
    func send(
        step: String, logger: Logger, _ make: (_ authorization: String) async throws -> StoreHTTPResponse
    ) async throws(StoreCallFailure) -> StoreHTTPResponse {
        var refreshed = false
        return try await retryPolicy.run(step: step) {
            (number) async throws(StoreCallFailure) -> RetryPolicy.Attempt<StoreHTTPResponse, StoreCallFailure> in
            if number > 1 { logger.info("retrying DT call", metadata: ["step": "\(step)", "attempt": "\(number)"]) }
            while true {
                let token = try await tokens.token(logger: logger)
                let secrets = [token.value.revealed, clientSecret.revealed]
                let response: StoreHTTPResponse
                do {
                    response = try await make("Bearer \(token.value.revealed)")
                } catch let error as StoreTransportError {
                    let failure = StoreCallFailure(
                        step: step, message: Redaction.scrub(error.description, secrets: secrets),
                        hint: error.isRetryable ? "DT could not be reached; Slipway will try again" : nil,
                        isRetryable: error.isRetryable)
                    guard error.isRetryable else { throw failure }
                    return .retry(failure, retryAfter: nil)
                } catch let error as ArtifactFileError {
                    throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: false)
                } catch is CancellationError {
                    throw StoreCallFailure(step: step, message: "cancelled", isRetryable: true)
                } catch {
                    // A file read that failed while the body streamed.
                    throw StoreCallFailure(
                        step: step, message: Redaction.scrub("\(error)", secrets: secrets), isRetryable: false)
                }
                if response.status == 401 {
                    await tokens.invalidate(token)
                    if !refreshed {
                        logger.info("DT refused the access token; fetching a new one", metadata: ["step": "\(step)"])
                        refreshed = true
                        continue
                    }
                    var failure = self.failure(response, step: step, secrets: secrets)
                    failure.isRetryable = false
                    throw failure
                }
                if RetryPolicy.isRetryable(status: response.status) {
                    return .retry(
                        self.failure(response, step: step, secrets: secrets),
                        retryAfter: RetryPolicy.retryAfter(response.header("Retry-After")))
                }
                return .success(response)
            }
        }
    }

    /// The failure for an answer that is not what the step needed: DT's quoted message, a hint for
    /// what a user can act on, retryable per the HTTP status.
    func failure(_ response: StoreHTTPResponse, step: String, secrets: [String] = []) -> StoreCallFailure {
        let status = response.status
        let said = IgniteAPIError.parse(response.bodyData)?.quoted ?? IgniteAPIError.excerpt(response.bodyText)
        let message = "DT answered HTTP \(status)" + (said.isEmpty ? "" : ": \(said)")
        let isUpload = step == Self.uploadStep
        let hint: String? =
            switch status {
            case 400 where isUpload, 422 where isUpload:
                "DT refused the upload as invalid; check store_metadata (DT requires every field), segments and "
                    + "fallback_url. If DT objects to the request's form rather than a value, set upload_encoding "
                    + "(multipart, multipart-bracketed or json-base64): DT has not documented which it expects"
            case 401:
                "DT refused a freshly fetched token too; ask your DT representative whether client \(settings.clientID) "
                    + "may use the App Management API"
            case 403:
                "client \(settings.clientID) may not do this for \(settings.packageName); ask your DT representative"
            case 404 where isUpload:
                "check api_url (\(settings.apiURL)): DT documents POST /v1/upload_apk/external_user there"
            case 404:
                "DT does not know this APK id (it may have been removed); deliver the build again"
            case 413:
                "the APK is larger than DT accepts; ask your DT representative about the size limit"
            case 415:
                "DT did not accept the request's encoding; set upload_encoding to multipart, multipart-bracketed or "
                    + "json-base64 (DT has not documented which it expects)"
            case 429:
                "DT is rate limiting; Slipway will try again"
            case 408, 409, 500...599:
                "DT had a temporary problem; Slipway will try again"
            default:
                nil
            }
        return StoreCallFailure(
            step: step, message: Redaction.scrub(message, secrets: secrets + [clientSecret.revealed]), hint: hint,
            httpStatus: status, isRetryable: RetryPolicy.isRetryable(status: status))
    }

    /// One path segment, percent-encoded.
    static func segment(_ value: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
