package import AsyncHTTPClient
package import Foundation
package import Logging
package import SlipwayCore
package import SlipwayHTTP

/// Uploads a build to Product Science (the Regression Analysis `build-uploads` API):
///
/// 1. `POST {api_url}/api/v1/projects/{project}/build-uploads` → an upload context id.
/// 2. `POST …/builds` with the build's metadata (type, file name, name, description, commit sha and
///    commit time) → the build and an `uploadSpec`: method, signed URL and headers.
/// 3. The file, streamed, exactly as `uploadSpec` says: its method, its URL, every one of its
///    headers, and `Content-Length`. No `Authorization`: the URL is the credential.
///
/// A file outside the size range the spec's headers declare fails before a byte is sent. The
/// signed URL's query string is a credential and never reaches a log line or a message. Product
/// Science publishes no status endpoint, so the result reports the build id and the state step 2
/// answered, plus that the storage accepted the file.
///
/// Product Science has no endpoint to look a build up, so step 2's answer is saved in the job's
/// checkpoint before the file goes: a job that runs again (a crash, a lost answer from the storage)
/// sends the file to the same build's signed URL instead of creating a second build record. Only a
/// signed URL that expired in between makes a new record.
package struct ProductScienceBuildUpload: StoreUploader {
    package let definition: StoreDefinition
    package let settings: BuildUploadsSettings
    let token: Secret
    let http: StoreHTTPClient
    let retryPolicy: RetryPolicy
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - token: the resolved `token` (`productscience.token`).
    ///   - httpClient: the owner's long-lived client; this type never shuts it down.
    ///   - now: stands in for the commit time when the build event carries none.
    package init(
        definition: StoreDefinition, settings: BuildUploadsSettings, token: Secret, httpClient: HTTPClient,
        retryPolicy: RetryPolicy = .default, timeouts: StoreHTTPClient.Timeouts = .init(),
        network: PrivateNetworkPolicy = .strict, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.definition = definition
        self.settings = settings
        self.token = token
        self.http = StoreHTTPClient(client: httpClient, timeouts: timeouts, network: network)
        self.retryPolicy = retryPolicy
        self.now = now
    }

    package func deliver(_ artifact: Artifact, for event: BuildEvent, logger: Logger) async throws(StoreError)
        -> StoreResult
    {
        try await deliver(artifact, for: event, checkpoint: .none, logger: logger)
    }

    package func deliver(_ artifact: Artifact, for event: BuildEvent, checkpoint: StoreCheckpoint, logger: Logger)
        async throws(StoreError) -> StoreResult
    {
        var logger = logger
        logger[metadataKey: "store"] = "\(definition.name)"
        logger[metadataKey: "storeType"] = "build-uploads"
        do throws(StoreCallFailure) {
            return try await upload(artifact, event: event, checkpoint: checkpoint, logger: logger)
        } catch {
            logger.warning("Product Science upload failed", metadata: ["failure": "\(error.failure)"])
            throw error.storeError(store: definition.name, storeType: .buildUploads)
        }
    }

    private func upload(_ artifact: Artifact, event: BuildEvent, checkpoint: StoreCheckpoint, logger: Logger)
        async throws(StoreCallFailure) -> StoreResult
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
        let metadata = ProductScienceBuildMetadata(
            settings: settings, artifact: artifact, event: event, now: now())
        let context: ProductScienceID
        var answer: ProductScienceBuildAnswer
        if let earlier = ProductScienceCheckpoint(checkpoint.saved) {
            (context, answer) = (earlier.context, earlier.answer)
            logger.info(
                "continuing the build an earlier attempt created", metadata: ["build": "\(answer.build.id)"])
        } else {
            context = try await createContext(logger: logger)
            answer = try await submitBuild(metadata, contextID: context, logger: logger)
            try await save(ProductScienceCheckpoint(context: context, answer: answer), in: checkpoint)
        }
        var renewed = false
        while true {
            switch try await sendFile(artifact, size: size, spec: answer.uploadSpec, logger: logger) {
            case .stored:
                break
            case .urlExpired(let failure):
                // The signed URL lapsed (a long retry, a slow queue): ask for a new one, once.
                guard !renewed else { throw failure }
                renewed = true
                logger.info("signed upload URL expired; submitting the build again for a new one")
                answer = try await submitBuild(metadata, contextID: context, logger: logger)
                try await save(ProductScienceCheckpoint(context: context, answer: answer), in: checkpoint)
                continue
            }
            break
        }
        logger.info(
            "uploaded to Product Science",
            metadata: ["build": "\(answer.build.id)", "context": "\(context)", "bytes": "\(size)"])

        let state = answer.build.uploadState ?? "unknown"
        return StoreResult(
            store: definition.name, storeType: .buildUploads, state: .succeeded,
            summary: "uploaded as \(settings.buildType.rawValue) build \(answer.build.id)",
            details: [
                .init(label: "Build id", value: answer.build.id.text),
                .init(label: "Upload context", value: context.text),
                .init(label: "Build type", value: settings.buildType.rawValue),
                .init(label: "Upload state", value: "\(state) when submitted; file stored (\(size) bytes)"),
                .init(
                    label: "Commit time",
                    value: metadata.commitTimeIsKnown
                        ? metadata.sourceControlIsoTimestamp
                        : "\(metadata.sourceControlIsoTimestamp) (upload time: the build event had no commit time)"),
            ],
            updatedAt: now())
    }
}

extension ProductScienceBuildUpload {
    private func save(_ value: ProductScienceCheckpoint, in checkpoint: StoreCheckpoint) async throws(StoreCallFailure) {
        do {
            try await checkpoint.save(value.values)
        } catch {
            throw StoreCallFailure(
                step: Self.metadataStep,
                message: "build \(value.answer.build.id) was created, but Slipway could not record it in its job store (\(error))",
                hint: "check the job store; the next attempt creates another build record", isRetryable: true)
        }
    }
}

/// Step 1's and step 2's answers as a checkpoint keeps them (one JSON value).
struct ProductScienceCheckpoint: Codable {
    static let key = "productscience.build"

    var context: ProductScienceID
    var answer: ProductScienceBuildAnswer

    init(context: ProductScienceID, answer: ProductScienceBuildAnswer) {
        self.context = context
        self.answer = answer
    }

    /// Nil when nothing (or something unreadable) was saved: the flow starts from step 1.
    init?(_ saved: [String: String]) {
        guard let text = saved[Self.key],
            let value = try? JSONDecoder().decode(ProductScienceCheckpoint.self, from: Data(text.utf8))
        else { return nil }
        self = value
    }

    var values: [String: String] {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return [Self.key: String(decoding: data, as: UTF8.self)]
    }
}
