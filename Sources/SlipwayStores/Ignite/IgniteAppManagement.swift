package import AsyncHTTPClient
package import Foundation
package import Logging
package import SlipwayCore

/// Uploads APKs to Digital Turbine Ignite through DT's App Management API and follows them
/// through DT's processing, Samsung's verification and a DT representative's approval.
///
/// 1. Reads the APK's own `AndroidManifest.xml`: its package must be the configured
///    `package_name` (DT refuses metadata that disagrees with the file), and it and the file's
///    size go into `store_metadata`. A wrong file fails here, before anything is sent.
/// 2. `POST {api_url}/v1/upload_apk/external_user` with the file streamed from disk, in the
///    configured `upload_encoding` (DT has not documented it; see `IgniteSettings.UploadEncoding`),
///    under a client-credentials token (`IgniteAccessTokenProvider`).
/// 3. The answer's `ApkStatuses`: `deliver` returns `.waiting` with the APK id in `resumeData`;
///    `poll` asks `GET {api_url}/v1/apks_external/{id}` and returns `.waiting` (naming what is
///    pending), `.succeeded` once every status is final and approved, or `.failed` with DT's words
///    and what to do when the upload, Samsung or the representative said no.
///
/// 401 fetches a fresh token once; 408/409/429/5xx and connection errors are retried per
/// `RetryPolicy`; other 4xx fail fast with DT's message and a hint. The upload is not idempotent:
/// a retry after an answer was lost may create a second APK at DT (DT offers no way to look one up).
package struct IgniteAppManagement: PollingStoreUploader {
    package let definition: StoreDefinition
    package let settings: IgniteSettings
    let clientSecret: Secret
    let http: StoreHTTPClient
    let tokens: IgniteAccessTokenProvider
    let retryPolicy: RetryPolicy
    let now: @Sendable () -> Date

    /// Keys of `StoreResult.resumeData`.
    enum Resume {
        static let apkID = "apkId"
    }

    /// Detail labels; the status ones are replaced on every poll, the others kept.
    enum Label {
        static let apkID = "APK id"
        static let upload = "Upload status"
        static let samsung = "Samsung approval"
        static let manual = "Manual approval"
        static let dtSays = "DT says"
        static let replacedOnPoll: Set = [apkID, upload, samsung, manual, dtSays]
    }

    /// - Parameters:
    ///   - clientSecret: the resolved `client_secret`.
    ///   - httpClient: the owner's long-lived client; this type never shuts it down.
    ///   - now: the clock for token expiry and result times; tests may move it.
    package init(
        definition: StoreDefinition, settings: IgniteSettings, clientSecret: Secret, httpClient: HTTPClient,
        retryPolicy: RetryPolicy = .default, timeouts: StoreHTTPClient.Timeouts = .init(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.definition = definition
        self.settings = settings
        self.clientSecret = clientSecret
        self.http = StoreHTTPClient(client: httpClient, timeouts: timeouts)
        self.retryPolicy = retryPolicy
        self.now = now
        self.tokens = IgniteAccessTokenProvider(
            clientID: settings.clientID, clientSecret: clientSecret,
            tokenURL: Self.join(settings.tokenURL, settings.tokenPath), scope: settings.scope, http: http,
            retryPolicy: retryPolicy, now: now)
    }

    package func deliver(_ artifact: Artifact, for event: BuildEvent, logger: Logger) async throws(StoreError)
        -> StoreResult
    {
        let logger = storeLogger(logger)
        do throws(StoreCallFailure) {
            let apk = try await inspect(artifact)
            let status = try await upload(artifact, apk: apk, event: event, logger: logger)
            var facts = [StoreResult.Detail(label: "Package", value: apk.manifest.packageName)]
            if let version = Self.version(apk.manifest) { facts.append(.init(label: "Version", value: version)) }
            facts.append(.init(label: "Size", value: "\(apk.size) bytes"))
            facts.append(.init(label: "Segments", value: settings.segmentIDs.joined(separator: ", ")))
            facts.append(.init(label: "Sent to Samsung", value: settings.sendToSamsung ? "yes" : "no"))
            let result = result(for: status, facts: facts)
            if let failure = result.failure {
                throw StoreCallFailure(failure: failure, isRetryable: false)
            }
            logger.info("uploaded to Digital Turbine Ignite", metadata: ["apk": "\(status.id)", "summary": "\(result.summary)"])
            return result
        } catch {
            logger.warning("Ignite delivery failed", metadata: ["failure": "\(error.failure)"])
            throw error.storeError(store: definition.name, storeType: .ignite)
        }
    }

    package func poll(_ previous: StoreResult, for event: BuildEvent, logger: Logger) async throws(StoreError)
        -> StoreResult
    {
        let logger = storeLogger(logger)
        do throws(StoreCallFailure) {
            guard let apkID = previous.resumeData[Resume.apkID], !apkID.isEmpty else {
                throw StoreCallFailure(
                    step: Self.statusStep, message: "the waiting result has no DT APK id to check",
                    hint: "deliver the build again", isRetryable: false)
            }
            let status = try await status(apkID: apkID, logger: logger)
            let facts = previous.details.filter { !Label.replacedOnPoll.contains($0.label) }
            let result = result(for: status, facts: facts)
            logger.info("checked the APK at DT", metadata: ["apk": "\(apkID)", "summary": "\(result.summary)"])
            return result
        } catch {
            logger.warning("Ignite status check failed", metadata: ["failure": "\(error.failure)"])
            throw error.storeError(store: definition.name, storeType: .ignite)
        }
    }

    /// The result the statuses add up to, with each of the three shown.
    func result(for status: IgniteAPKStatus, facts: [StoreResult.Detail]) -> StoreResult {
        var details = [StoreResult.Detail(label: Label.apkID, value: status.id)] + facts
        details.append(.init(label: Label.upload, value: status.uploadStatus ?? "not reported"))
        details.append(.init(label: Label.samsung, value: status.samsungApprovalStatus ?? "not reported"))
        details.append(.init(label: Label.manual, value: status.manualApprovalStatus ?? "not reported"))
        if !status.otherAttributes.isEmpty {
            details.append(.init(label: Label.dtSays, value: status.otherAttributes.joined(separator: "; ")))
        }
        let resume = [Resume.apkID: status.id]
        switch status.verdict {
        case .approved:
            return StoreResult(
                store: definition.name, storeType: .ignite, state: .succeeded,
                summary: "approved; available for distribution via Ignite", details: details, updatedAt: now(),
                resumeData: resume)
        case .waiting(let pending):
            let summary =
                pending.contains(IgniteAPKStatus.uploadWaiting)
                ? "uploaded; DT is processing the APK"
                : "uploaded; waiting for " + pending.joined(separator: " and ")
            return StoreResult(
                store: definition.name, storeType: .ignite, state: .waiting, summary: summary, details: details,
                updatedAt: now(), resumeData: resume)
        case .rejected(let step, let message, let hint):
            return StoreResult(
                store: definition.name, storeType: .ignite, state: .failed, summary: "failed: \(step)",
                details: details, failure: StoreFailure(step: step, message: message, hint: hint), updatedAt: now(),
                resumeData: resume)
        }
    }

    static func version(_ manifest: APKManifest) -> String? {
        switch (manifest.versionName, manifest.versionCode) {
        case (let name?, let code?): "\(name) (\(code))"
        case (let name?, nil): name
        case (nil, let code?): "version code \(code)"
        case (nil, nil): nil
        }
    }

    /// `base` + `path`, with one slash between them.
    static func join(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + (path.hasPrefix("/") ? path : "/" + path)
    }

    private func storeLogger(_ logger: Logger) -> Logger {
        var logger = logger
        logger[metadataKey: "store"] = "\(definition.name)"
        logger[metadataKey: "storeType"] = "ignite"
        return logger
    }
}
