import Tracing
package import AsyncHTTPClient
package import Foundation
package import Logging
import NIOCore
import NIOHTTP1
package import SlipwayCore
package import SlipwayHTTP

/// Uploads APKs (`uploadapk`) and app bundles (`uploadbundle`) to Google Play internal app sharing
/// and reports the install link.
///
/// Small files go up in one `uploadType=media` request; files at or above
/// `resumableThresholdBytes` use Google's resumable protocol in `chunkBytes` chunks, so a 5xx or a
/// dropped connection costs one chunk, not the whole bundle. The sha256 Play computes is compared
/// with the one taken when the artifact was downloaded.
///
/// Failures fail fast on what retrying cannot fix (400, 403, 404, a refused key) with Google's
/// message and a hint; 408/409/429/5xx and connection errors are retried per `RetryPolicy`, and
/// when the tries run out the `StoreError` says `isRetryable` so the job can run again later.
package struct GooglePlayInternalSharing: StoreUploader {
    /// The OAuth scope of the Android Publisher API.
    package static let scope = "https://www.googleapis.com/auth/androidpublisher"

    package let definition: StoreDefinition
    package let settings: GooglePlaySettings
    /// The service account's identity, for hints ("grant … access").
    package let serviceAccountEmail: String
    let http: StoreHTTPClient
    let tokens: GoogleAccessTokenProvider
    let retryPolicy: RetryPolicy

    /// - Parameters:
    ///   - httpClient: the owner's long-lived client; this type never shuts it down.
    ///   - now: the clock for token expiry; tests may move it.
    package init(
        definition: StoreDefinition, settings: GooglePlaySettings, key: GoogleServiceAccountKey, httpClient: HTTPClient,
        retryPolicy: RetryPolicy = .default, timeouts: StoreHTTPClient.Timeouts = .init(),
        network: PrivateNetworkPolicy = .strict, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.definition = definition
        self.settings = settings
        self.serviceAccountEmail = key.clientEmail
        self.http = StoreHTTPClient(client: httpClient, timeouts: timeouts, network: network)
        self.retryPolicy = retryPolicy
        self.tokens = GoogleAccessTokenProvider(
            key: key, tokenURL: settings.tokenURL ?? key.tokenURI, scope: Self.scope, http: http,
            retryPolicy: retryPolicy, now: now)
    }

    package func deliver(_ artifact: Artifact, for event: BuildEvent, logger: Logger) async throws(StoreError)
        -> StoreResult
    {
        var logger = logger
        logger[metadataKey: "store"] = "\(definition.name)"
        logger[metadataKey: "package"] = "\(settings.packageName)"
        do {
            return try await upload(artifact, logger: logger)
        } catch {
            logger.warning("Google Play upload failed", metadata: ["failure": "\(error.failure)"])
            throw error.storeError(store: definition.name, storeType: .googlePlay)
        }
    }

    // MARK: - Flow

    private func upload(_ artifact: Artifact, logger: Logger) async throws(StoreCallFailure) -> StoreResult {
        let target = UploadTarget(kind: artifact.kind)
        let size: Int64
        do {
            size = try await FileUploadBody.size(of: artifact)
        } catch {
            throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: false)
        }
        if size != artifact.size {
            logger.warning("artifact size on disk differs from the recorded size", metadata: ["onDisk": "\(size)"])
        }
        guard size > 0 else {
            throw StoreCallFailure(
                step: "read artifact", message: "\(artifact.fileName) is empty", isRetryable: false)
        }

        let file = UploadFile(path: artifact.path, size: size, arrival: artifact.arrival)
        let played: InternalAppSharingArtifact
        let protocolDetail: String
        if size < settings.resumableThresholdBytes {
            played = try await uploadMedia(file, target: target, logger: logger)
            protocolDetail = "media (one request)"
        } else {
            let outcome = try await uploadResumable(file, target: target, logger: logger)
            played = outcome.artifact
            protocolDetail = "resumable (\(outcome.chunks) chunk\(outcome.chunks == 1 ? "" : "s"))"
        }

        // Play answers only after the last byte, which an arriving file releases once it is checked.
        let expected: String
        do {
            expected = try await artifact.settledSHA256().lowercased()
        } catch {
            throw StoreCallFailure(step: "verify upload", message: error.description, isRetryable: true)
        }
        guard let received = played.sha256?.lowercased() else {
            throw StoreCallFailure(
                step: "verify upload", message: "Google Play's answer has no sha256 to check the upload against",
                isRetryable: false)
        }
        guard received == expected else {
            throw StoreCallFailure(
                step: "verify upload",
                message: "Google Play received a file with sha256 \(received), but the artifact's sha256 is \(expected)",
                hint: "the file was corrupted on the way or changed on disk after it was downloaded; deliver it again",
                isRetryable: true)
        }
        logger.info(
            "uploaded to Google Play internal app sharing",
            metadata: ["bytes": "\(size)", "protocol": "\(protocolDetail)"])

        var details = [StoreResult.Detail(label: "sha256", value: received)]
        if let fingerprint = played.certificateFingerprint, !fingerprint.isEmpty {
            details.append(.init(label: "Certificate fingerprint", value: fingerprint))
        }
        details.append(.init(label: "Upload protocol", value: protocolDetail))
        return StoreResult(
            store: definition.name, storeType: .googlePlay, state: .succeeded, summary: "uploaded",
            links: [.init(title: "Install from Play", url: played.downloadUrl)], details: details)
    }

    /// `{apiURL}/upload/androidpublisher/v3/applications/internalappsharing/{pkg}/artifacts/{apk|bundle}`.
    func endpoint(_ target: UploadTarget) -> String {
        var base = settings.apiURL
        while base.hasSuffix("/") { base.removeLast() }
        let package = settings.packageName.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)
            ?? settings.packageName
        return "\(base)/upload/androidpublisher/v3/applications/internalappsharing/\(package)/artifacts/\(target.pathComponent)"
    }

    // MARK: - Media upload

    private func uploadMedia(_ file: UploadFile, target: UploadTarget, logger: Logger) async throws(StoreCallFailure)
        -> InternalAppSharingArtifact
    {
        let url = endpoint(target) + "?uploadType=media"
        let step = target.uploadStep
        return try await retryPolicy.run {
            (_) async throws(StoreCallFailure) -> RetryPolicy.Attempt<InternalAppSharingArtifact, StoreCallFailure> in
            let outcome = try await authorizedSend(step: step, logger: logger) { (authorization) async throws in
                try await FileUploadBody.withStreamingBody(path: file.path, range: 0..<file.size, arrival: file.arrival) { body in
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: authorization)
                    request.headers.add(name: "Content-Type", value: target.contentType)
                    request.body = body
                    return try await http.send(request, timeout: http.timeouts.upload(bytes: file.size), logger: logger)
                }
            }
            switch outcome {
            case .noAnswer(let failure):
                return .retry(failure, retryAfter: nil)
            case .answered(let response) where response.status == 200 || response.status == 201:
                return .success(try parseArtifact(response, step: step))
            case .answered(let response):
                let failure = apiFailure(response, step: step)
                guard failure.isRetryable else { throw failure }
                return .retry(failure, retryAfter: RetryPolicy.retryAfter(response.header("Retry-After")))
            }
        }
    }

    // MARK: - Shared request plumbing

    /// A call that was answered, or a transport failure worth retrying.
    enum CallOutcome: Sendable {
        case answered(StoreHTTPResponse)
        case noAnswer(StoreCallFailure)
    }

    /// Sends a request built by `send` with a bearer token; on a 401 drops the token, fetches a new
    /// one and sends once more. A second 401 fails fast. Transport failures that are worth another
    /// try come back as `.noAnswer`; everything else that is not an HTTP answer throws.
    func authorizedSend(
        step: String, logger: Logger, _ send: (_ authorization: String) async throws -> StoreHTTPResponse
    ) async throws(StoreCallFailure) -> CallOutcome {
        // Play's steps retry in loops of their own (resumable chunks): one span per call.
        try await Traced.span(step) { (span) async throws(StoreCallFailure) -> CallOutcome in
            span.attributes["slipway.step"] = step
            return try await authorizedCall(step: step, logger: logger, send)
        }
    }

    private func authorizedCall(
        step: String, logger: Logger, _ send: (_ authorization: String) async throws -> StoreHTTPResponse
    ) async throws(StoreCallFailure) -> CallOutcome {
        var refreshed = false
        while true {
            let token = try await tokens.token(logger: logger)
            let response: StoreHTTPResponse
            do {
                response = try await send("Bearer \(token.value.revealed)")
            } catch let error as StoreTransportError {
                let failure = StoreCallFailure(step: step, message: error.description, isRetryable: error.isRetryable)
                guard error.isRetryable else { throw failure }
                return .noAnswer(failure)
            } catch let error as ArtifactFileError {
                throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: false)
            } catch is CancellationError {
                throw StoreCallFailure(step: step, message: "cancelled", isRetryable: true)
            } catch {
                // A file read that failed while the body streamed.
                throw StoreCallFailure(
                    step: step, message: Redaction.scrub("\(error)", secrets: [token.value.revealed]),
                    isRetryable: false)
            }
            if response.status == 401 {
                await tokens.invalidate(token)
                if !refreshed {
                    logger.info("access token refused; fetching a new one", metadata: ["step": "\(step)"])
                    refreshed = true
                    continue
                }
                var failure = apiFailure(response, step: step, secrets: [token.value.revealed])
                failure.failure.hint =
                    "Google refused a freshly fetched access token too; check that \(serviceAccountEmail) is enabled and its key is current"
                failure.isRetryable = false
                throw failure
            }
            return .answered(response)
        }
    }

    /// The failure for a non-2xx answer: step, Google's quoted message, a hint, retryable or not.
    func apiFailure(_ response: StoreHTTPResponse, step: String, secrets: [String] = []) -> StoreCallFailure {
        let status = response.status
        let parsed = GoogleAPIError.parse(response.bodyData)
        let message: String
        if let parsed {
            message = "Google Play answered HTTP \(status): \(parsed.quoted)"
        } else {
            let excerpt = String(response.bodyText.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
            message = "Google Play answered HTTP \(status)" + (excerpt.isEmpty ? "" : ": \(excerpt)")
        }
        let hint: String?
        switch status {
        case 400:
            hint = "Google refused the request as invalid; check that \(settings.packageName)'s artifact is a valid, signed APK or app bundle"
        case 403:
            hint = "grant the service account \(serviceAccountEmail) access to the app in Play Console → Users and permissions, "
                + "and enable the Google Play Android Developer API in its Cloud project (new permissions can take a while to apply)"
        case 404:
            hint = "the app must already exist in Play Console (upload its first build by hand); "
                + "check that package_name \"\(settings.packageName)\" is right"
        case 409:
            hint = "another upload to this app was in progress; Slipway will try again"
        case 429:
            hint = "the Play API quota is used up for now; Slipway will try again"
        case 500...599, 408:
            hint = "Google Play had a temporary problem; Slipway will try again"
        default:
            hint = nil
        }
        return StoreCallFailure(
            step: step, message: Redaction.scrub(message, secrets: secrets), hint: hint, httpStatus: status,
            isRetryable: RetryPolicy.isRetryable(status: status))
    }

    func parseArtifact(_ response: StoreHTTPResponse, step: String) throws(StoreCallFailure)
        -> InternalAppSharingArtifact
    {
        guard let artifact = try? JSONDecoder().decode(InternalAppSharingArtifact.self, from: response.bodyData),
            !artifact.downloadUrl.isEmpty
        else {
            throw StoreCallFailure(
                step: step, message: "Google Play answered \(response.status) without a downloadUrl",
                httpStatus: response.status, isRetryable: false)
        }
        return artifact
    }
}

/// The local file being uploaded and its size (on disk, or announced while it arrives).
struct UploadFile: Sendable {
    var path: String
    var size: Int64
    var arrival: ArtifactArrival?
}

/// Per-kind details of the two upload methods.
struct UploadTarget: Sendable {
    var kind: ArtifactKind

    /// `apk` (`uploadapk`) or `bundle` (`uploadbundle`).
    var pathComponent: String { kind == .apk ? "apk" : "bundle" }

    /// `uploadbundle` accepts only octet-stream; APKs have their own type.
    var contentType: String {
        kind == .apk ? "application/vnd.android.package-archive" : "application/octet-stream"
    }

    var uploadStep: String { kind == .apk ? "upload APK" : "upload app bundle" }
}
