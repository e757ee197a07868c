import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore

/// Request plumbing shared by the three steps: retries, and failures that quote the answer.
extension ProductScienceBuildUpload {
    /// Sends the request `make` builds until it is answered with a status not worth another try,
    /// per `retryPolicy`. `secrets` (the token, the signed URL's query) are scrubbed from failures.
    func send(step: String, secrets: [String], logger: Logger, _ make: () async throws -> StoreHTTPResponse)
        async throws(StoreCallFailure) -> StoreHTTPResponse
    {
        try await retryPolicy.send(step: step, service: "Product Science", secrets: secrets, logger: logger, make) {
            apiFailure($0, step: step, secrets: secrets)
        }
    }

    /// The failure for a refused Product Science API call. Its error format is undocumented, so a
    /// JSON `message`/`error`/`detail` is quoted when there is one, else the start of the body.
    func apiFailure(_ response: StoreHTTPResponse, step: String, secrets: [String]) -> StoreCallFailure {
        let status = response.status
        var said = String(response.bodyText.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
        if let object = try? JSONSerialization.jsonObject(with: response.bodyData) as? [String: Any] {
            for key in ["message", "error", "detail", "title"] {
                if let text = object[key] as? String, !text.isEmpty {
                    said = "\"\(text)\""
                    break
                }
            }
        }
        let message = "Product Science answered HTTP \(status)" + (said.isEmpty ? "" : ": \(said)")
        let hint: String? =
            switch status {
            case 401, 403:
                "check token (productscience.token) and that it belongs to project \"\(settings.project)\""
            case 404:
                "check project \"\(settings.project)\" and api_url (\(settings.apiURL))"
            case 400, 422:
                "Product Science refused the build's metadata; check build_type and the artifact's name"
            case 429:
                "Product Science is rate limiting; Slipway will try again"
            case 408, 500...599:
                "Product Science had a temporary problem; Slipway will try again"
            default:
                nil
            }
        return StoreCallFailure(
            step: step, message: Redaction.scrub(message, secrets: secrets), hint: hint, httpStatus: status,
            isRetryable: RetryPolicy.isRetryable(status: status))
    }

    /// `api_url` + `path`, with one slash between.
    func endpoint(_ path: String) -> String {
        var base = settings.apiURL
        while base.hasSuffix("/") { base.removeLast() }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        let project = settings.project.addingPercentEncoding(withAllowedCharacters: allowed) ?? settings.project
        return base + "/api/v1/projects/\(project)" + path
    }
}
