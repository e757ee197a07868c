import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayHTTP

/// Step 2: download token → download redirect link, and the processing check while Applivery
/// answers *Build Not Processed*.
extension AppliveryDistribution {
    static let tokenStep = "get download token"
    static let checkStep = "check download link"
    static let statusStep = "check processing"
    /// Fresh tokens fetched after *Token Expired* before giving up: a clock far off would make
    /// every token look expired.
    static let maxFreshTokens = 2

    struct DownloadLink: Sendable {
        var url: String
        var expiresAt: String?
    }

    enum LinkOutcome: Sendable {
        case ready(DownloadLink)
        case notProcessed
    }

    private enum TokenOutcome {
        case token(AppliveryDownloadToken)
        case notProcessed
        case expired
    }

    func downloadLink(buildID: String, appID: String, logger: Logger) async throws(StoreCallFailure) -> LinkOutcome {
        var freshTokens = 0
        while true {
            var expired: Bool
            var link: DownloadLink?
            switch try await downloadToken(buildID: buildID, appID: appID, logger: logger) {
            case .notProcessed:
                return .notProcessed
            case .expired:
                expired = true
            case .token(let token):
                let url = url(settings.downloadURL, "/v1/download/\(segment(token.token))")
                link = DownloadLink(url: url, expiresAt: token.expiresAt)
                expired = token.expiry.map { $0 <= now() } ?? false
                if !expired && settings.checkDownloadLink {
                    expired = try await isExpired(link: url, token: token.token, logger: logger)
                }
            }
            if !expired, let link { return .ready(link) }
            freshTokens += 1
            guard freshTokens <= Self.maxFreshTokens else {
                throw StoreCallFailure(
                    step: Self.checkStep,
                    message: "Applivery answered \"Token Expired\" (code 4005) for \(freshTokens) download tokens in a row",
                    hint: "check this machine's clock; Slipway will try again later", isRetryable: true)
            }
            logger.info("Applivery download token expired; getting a fresh one", metadata: ["build": "\(buildID)"])
        }
    }

    private func downloadToken(buildID: String, appID: String, logger: Logger) async throws(StoreCallFailure)
        -> TokenOutcome
    {
        let path = "/v1/organizations/\(segment(settings.organization))/apps/\(segment(appID))/builds/"
            + "\(segment(buildID))/downloadToken?type=\(settings.downloadType.rawValue)"
        let endpoint = url(settings.apiURL, path)
        let response = try await send(step: Self.tokenStep, logger: logger) { () async throws in
            try await getAPI(endpoint, bearer: workspaceToken ?? appToken, logger: logger)
        }
        let error = AppliveryAPIError.parse(response.bodyData)
        switch error?.code {
        case AppliveryAPIError.Code.buildNotProcessed:
            return .notProcessed
        case AppliveryAPIError.Code.tokenExpired:
            return .expired
        default:
            break
        }
        if (200...299).contains(response.status), error == nil, let token = AppliveryDownloadToken.parse(response.bodyData) {
            return .token(token)
        }
        let hint: String? =
            switch (error?.code, response.status) {
            case (AppliveryAPIError.Code.noAuthToken, _), (AppliveryAPIError.Code.invalidToken, _), (_, 401), (_, 403):
                workspaceToken == nil
                    ? "Applivery's current docs say download tokens need a Workspace API token: set workspace_token "
                        + "to a service account token with access to organization \(settings.organization)"
                    : "check that workspace_token is a current service account token with access to organization \(settings.organization)"
            case (AppliveryAPIError.Code.entityNotFound, _), (_, 404):
                "check organization \"\(settings.organization)\" and app_id \"\(appID)\" (from the app's URL in the Applivery dashboard)"
            default:
                nil
            }
        if (200...299).contains(response.status), error == nil {
            throw StoreCallFailure(
                step: Self.tokenStep,
                message: "Applivery answered HTTP \(response.status) without a download token (data.token)",
                hint: "check that api_url points at Applivery's API host", httpStatus: response.status,
                isRetryable: false)
        }
        throw failure(response, step: Self.tokenStep, hint: hint)
    }

    /// Opens the link once, to learn whether Applivery still honours its token. A redirect (or,
    /// when the client follows it, the file's first answer) means it works; the file itself is not
    /// read. The link carries the token in its path, so it is never logged.
    private func isExpired(link: String, token: String, logger: Logger) async throws(StoreCallFailure) -> Bool {
        let safeURL = url(settings.downloadURL, "/v1/download/<token>")
        let response = try await send(step: Self.checkStep, logger: logger) { () async throws in
            var request = HTTPClientRequest(url: link)
            request.method = .GET
            request.headers.add(name: "Accept", value: "application/json")
            logger.debug("store request", metadata: ["method": "GET", "url": "\(safeURL)"])
            let answer: StoreHTTPResponse
            do {
                // Not followed: a redirect already says the link works, and the build is not fetched.
                answer = try await http.outbound.withResponse(
                    request, trust: .configured, timeout: http.timeouts.api, followRedirects: false
                ) { answer, _ in
                    let status = Int(answer.status.code)
                    var body = ByteBuffer()
                    if !(200...399).contains(status) {
                        // An error body is small JSON; a working link's body (the build) is left unread.
                        for try await part in answer.body {
                            var part = part
                            body.writeBuffer(&part)
                            if body.readableBytes >= 64 * 1024 { break }
                        }
                    }
                    return StoreHTTPResponse(status: status, headers: answer.headers, body: body)
                }
            } catch let error as CancellationError {
                throw error
            } catch {
                throw StoreTransportError(url: safeURL, underlying: error)
            }
            let status = answer.status
            logger.debug("store response", metadata: ["method": "GET", "url": "\(safeURL)", "status": "\(status)"])
            return answer
        }
        if (200...399).contains(response.status) { return false }
        if AppliveryAPIError.parse(response.bodyData)?.code == AppliveryAPIError.Code.tokenExpired { return true }
        throw failure(
            response, step: Self.checkStep, extraSecrets: [token],
            hint: "the download link Applivery made does not work; check download_url (\(settings.downloadURL))")
    }

    /// The build's processing status (`pending`, `in_progress`, …) from the build-details call.
    /// Throws when processing ended in `error`; answers nil when the status cannot be read, since
    /// the download-token call remains the measure of "done".
    func processingStatus(buildID: String, logger: Logger) async throws(StoreCallFailure) -> String? {
        let endpoint = url(settings.apiURL, "/v1/integrations/builds/\(segment(buildID))")
        let response: StoreHTTPResponse
        do {
            response = try await send(step: Self.statusStep, logger: logger) { () async throws in
                try await getAPI(endpoint, logger: logger)
            }
        } catch {
            logger.info("could not read the build's processing status", metadata: ["failure": "\(error.failure)"])
            return nil
        }
        guard (200...299).contains(response.status), let build = AppliveryBuild.parse(response.bodyData) else {
            logger.info("could not read the build's processing status", metadata: ["status": "\(response.status)"])
            return nil
        }
        if build.status == "error" {
            let said = [build.error, build.errorCode.map { "error code \($0)" }].compactMap { $0 }.joined(separator: ", ")
            throw StoreCallFailure(
                step: "process build",
                message: "Applivery could not process build \(buildID)" + (said.isEmpty ? "" : ": \(said)"),
                hint: "check the build in the Applivery dashboard; the artifact may be invalid or unsigned",
                isRetryable: false)
        }
        return build.status
    }
}
