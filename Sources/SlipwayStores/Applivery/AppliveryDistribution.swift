package import AsyncHTTPClient
package import Foundation
package import Logging
package import SlipwayCore

/// Uploads a build to Applivery and reports its download redirect link.
///
/// 1. `POST {upload_url}/v1/integrations/builds`: `multipart/form-data` with the file streamed
///    from disk as part `build`, the app token as Bearer.
/// 2. `GET {api_url}/v1/organizations/{org}/apps/{app}/builds/{id}/downloadToken?type=…` → a
///    token and its expiry; the link is `{download_url}/v1/download/{token}`.
///
/// Applivery processes a build after the upload; until it is done the token call answers 5014
/// *Build Not Processed*. That is not a failure: `deliver` returns `.waiting` with the build id in
/// `resumeData`, and Slipway calls `poll` later, which asks for the token again (and fails if the
/// build's processing ended in `error`). 4005 *Token Expired* gets a fresh token; 4002, 4004 and
/// 3001 fail fast with Applivery's message; 408/409/429/5xx and connection errors are retried per
/// `RetryPolicy`.
///
/// The upload is not idempotent: a retry after a lost answer may create a second build.
package struct AppliveryDistribution: PollingStoreUploader {
    package let definition: StoreDefinition
    package let settings: AppliverySettings
    let appToken: Secret
    let workspaceToken: Secret?
    let http: StoreHTTPClient
    let retryPolicy: RetryPolicy
    let now: @Sendable () -> Date

    /// Keys of `StoreResult.resumeData`.
    enum Resume {
        static let buildID = "buildId"
        static let appID = "appId"
    }

    /// - Parameters:
    ///   - appToken: the resolved `app_token`.
    ///   - workspaceToken: the resolved `workspace_token`, if configured; used for the token call.
    ///   - httpClient: the owner's long-lived client; this type never shuts it down.
    package init(
        definition: StoreDefinition, settings: AppliverySettings, appToken: Secret, workspaceToken: Secret?,
        httpClient: HTTPClient, retryPolicy: RetryPolicy = .default, timeouts: StoreHTTPClient.Timeouts = .init(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.definition = definition
        self.settings = settings
        self.appToken = appToken
        self.workspaceToken = workspaceToken
        self.http = StoreHTTPClient(client: httpClient, timeouts: timeouts)
        self.retryPolicy = retryPolicy
        self.now = now
    }

    /// Values that must never reach a message or a log line.
    var secrets: [String] { [appToken.revealed] + (workspaceToken.map { [$0.revealed] } ?? []) }

    package func deliver(_ artifact: Artifact, for event: BuildEvent, logger: Logger) async throws(StoreError)
        -> StoreResult
    {
        try await deliver(artifact, for: event, checkpoint: .none, logger: logger)
    }

    package func deliver(_ artifact: Artifact, for event: BuildEvent, checkpoint: StoreCheckpoint, logger: Logger)
        async throws(StoreError) -> StoreResult
    {
        let logger = storeLogger(logger)
        do throws(StoreCallFailure) {
            let build = try await upload(artifact, event: event, checkpoint: checkpoint, logger: logger)
            let appID = settings.appID ?? build.application
            guard let appID, !appID.isEmpty else {
                throw StoreCallFailure(
                    step: "get download token",
                    message: "Applivery's upload answer does not name the application of build \(build.id)",
                    hint: "set app_id (the application's id, from its URL in the Applivery dashboard) on this store",
                    isRetryable: false)
            }
            do {
                return try await linkResult(buildID: build.id, appID: appID, logger: logger)
            } catch where error.isRetryable {
                // The build is uploaded: a passing outage of the token call must not upload it again.
                logger.info(
                    "Applivery download link not ready; will check again",
                    metadata: ["build": "\(build.id)", "failure": "\(error.failure)"])
                return StoreResult(
                    store: definition.name, storeType: .applivery, state: .waiting,
                    summary: "uploaded; download link not ready yet",
                    details: [
                        .init(label: "Build id", value: build.id),
                        .init(label: "Download link", value: "\(error.failure); Slipway will check again"),
                    ],
                    updatedAt: now(), resumeData: [Resume.buildID: build.id, Resume.appID: appID])
            }
        } catch {
            logger.warning("Applivery delivery failed", metadata: ["failure": "\(error.failure)"])
            throw error.storeError(store: definition.name, storeType: .applivery)
        }
    }

    package func poll(_ previous: StoreResult, for event: BuildEvent, logger: Logger) async throws(StoreError)
        -> StoreResult
    {
        let logger = storeLogger(logger)
        do throws(StoreCallFailure) {
            guard let buildID = previous.resumeData[Resume.buildID], let appID = previous.resumeData[Resume.appID]
            else {
                throw StoreCallFailure(
                    step: "check processing",
                    message: "the waiting result has no Applivery build id to check",
                    hint: "deliver the build again", isRetryable: false)
            }
            return try await linkResult(buildID: buildID, appID: appID, logger: logger)
        } catch {
            logger.warning("Applivery poll failed", metadata: ["failure": "\(error.failure)"])
            throw error.storeError(store: definition.name, storeType: .applivery)
        }
    }

    /// The download link for a build, or `.waiting` while Applivery still processes it (after
    /// making sure processing did not fail).
    private func linkResult(buildID: String, appID: String, logger: Logger) async throws(StoreCallFailure)
        -> StoreResult
    {
        let resume = [Resume.buildID: buildID, Resume.appID: appID]
        var details = [StoreResult.Detail(label: "Build id", value: buildID)]
        switch try await downloadLink(buildID: buildID, appID: appID, logger: logger) {
        case .ready(let link):
            if let expiresAt = link.expiresAt { details.append(.init(label: "Link expires", value: expiresAt)) }
            details.append(.init(label: "Download type", value: settings.downloadType.rawValue))
            logger.info("Applivery download link ready", metadata: ["build": "\(buildID)"])
            return StoreResult(
                store: definition.name, storeType: .applivery, state: .succeeded,
                summary: "uploaded; download link ready",
                links: [.init(title: "Download from Applivery", url: link.url)], details: details,
                updatedAt: now(), resumeData: resume)
        case .notProcessed:
            let status = try await processingStatus(buildID: buildID, logger: logger)
            details.append(.init(label: "Processing", value: status ?? "in progress"))
            logger.info("Applivery is still processing the build", metadata: ["build": "\(buildID)"])
            return StoreResult(
                store: definition.name, storeType: .applivery, state: .waiting,
                summary: "uploaded; Applivery is processing the build", details: details, updatedAt: now(),
                resumeData: resume)
        }
    }

    private func storeLogger(_ logger: Logger) -> Logger {
        var logger = logger
        logger[metadataKey: "store"] = "\(definition.name)"
        logger[metadataKey: "storeType"] = "applivery"
        return logger
    }
}
