import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import SlipwayCore

/// Step 1: the build goes up as `multipart/form-data`, streamed from the one downloaded file.
extension AppliveryDistribution {
    static let uploadStep = "upload build"

    static let uploadStartedKey = "applivery.uploadStarted"

    /// Uploads the build once: an earlier attempt's build is reused (`earlierUpload`), and a retry
    /// after a failure that may have reached Applivery looks again first. Once an upload may have
    /// reached Applivery (a `POST` was sent, in this attempt or — says the checkpoint — an earlier
    /// one), a listing that cannot be read stops the upload instead of risking a second build: the
    /// delivery is retried later.
    func upload(_ artifact: Artifact, event: BuildEvent, checkpoint: StoreCheckpoint, logger: Logger)
        async throws(StoreCallFailure) -> AppliveryBuild
    {
        switch await earlierUpload(of: event, logger: logger) {
        case .found(let earlier): return earlier
        case .unknown(let failure) where checkpoint.saved[Self.uploadStartedKey] != nil: throw failure
        case .unknown, .none: break
        }
        return try await retryPolicy.run {
            (number) async throws(StoreCallFailure) -> RetryPolicy.Attempt<AppliveryBuild, StoreCallFailure> in
            if number > 1 {
                switch await earlierUpload(of: event, logger: logger) {
                case .found(let earlier): return .success(earlier)
                case .unknown(let failure): return .retry(failure, retryAfter: nil)
                case .none: break
                }
            }
            do {
                try await checkpoint.save([Self.uploadStartedKey: "1"])
            } catch {
                throw StoreCallFailure(
                    step: Self.uploadStep, message: "Slipway could not record in its job store that the upload starts (\(error))",
                    hint: "check the job store; nothing was sent", isRetryable: true)
            }
            do throws(StoreCallFailure) {
                return .success(try await uploadOnce(artifact, event: event, logger: logger))
            } catch {
                guard error.isRetryable else { throw error }
                logger.info("Applivery upload failed; will look for the build, then retry", metadata: ["failure": "\(error)"])
                return .retry(error, retryAfter: nil)
            }
        }
    }

    /// One `POST` of the build (no retries of its own: `upload` decides).
    private func uploadOnce(_ artifact: Artifact, event: BuildEvent, logger: Logger) async throws(StoreCallFailure)
        -> AppliveryBuild
    {
        let size: Int64
        do {
            size = try await FileUploadBody.size(of: artifact)
        } catch {
            throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: false)
        }
        guard size > 0 else {
            throw StoreCallFailure(step: "read artifact", message: "\(artifact.fileName) is empty", isRetryable: false)
        }
        let body = AppliveryMultipartBody(
            fields: AppliveryBuildFields.fields(settings: settings, event: event), fileField: "build",
            fileName: artifact.fileName, fileSize: size)
        let endpoint = url(settings.uploadURL, "/v1/integrations/builds")
        let response = try await send(step: Self.uploadStep, policy: .never, logger: logger) { () async throws in
            try await body.withStreamingBody(path: artifact.path, arrival: artifact.arrival) { stream in
                var request = HTTPClientRequest(url: endpoint)
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(appToken.revealed)")
                request.headers.add(name: "Accept", value: "application/json")
                request.headers.add(name: "Content-Type", value: body.contentType)
                request.body = stream
                return try await http.send(request, timeout: http.timeouts.upload(bytes: body.contentLength), logger: logger)
            }
        }
        guard (200...299).contains(response.status) else {
            throw failure(response, step: Self.uploadStep)
        }
        if AppliveryAPIError.parse(response.bodyData) != nil {
            throw failure(response, step: Self.uploadStep)
        }
        guard let build = AppliveryBuild.parse(response.bodyData) else {
            throw StoreCallFailure(
                step: Self.uploadStep,
                message: "Applivery answered HTTP \(response.status) without a build id (data.id)",
                hint: "check that upload_url points at Applivery's upload host", httpStatus: response.status,
                isRetryable: false)
        }
        logger.info(
            "uploaded to Applivery",
            metadata: ["build": "\(build.id)", "bytes": "\(size)", "status": "\(build.status ?? "unknown")"])
        return build
    }
}
