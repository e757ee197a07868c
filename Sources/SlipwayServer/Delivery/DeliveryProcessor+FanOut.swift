import Foundation
import Logging
import SlipwayCore
import SlipwayIntake
import SlipwayQueue
import SlipwayStores
import SlipwayHTTP
import Tracing

/// One download feeding every store that wants it, the stores starting while it still arrives
/// (issue 12 §3).
///
/// The download and the uploads are children of one task group. Stores read the file as it lands
/// (`ArtifactArrival`), and the last bytes of the file only once the download is complete and its
/// sha256 matched the webhook's (when it declared one) — so a store never finishes an upload of bytes
/// that were not checked. When the download fails, the group is cancelled, every upload in flight is
/// abandoned unfinished, and each of the artifact's stores records the download's failure (retried
/// like any download failure).
extension DeliveryProcessor {
    private enum Finished: Sendable {
        case downloaded(Result<Artifact, ArtifactFetchError>)
        case uploaded(store: String, result: StoreResult, retryReason: String?)
    }

    func fanOut(
        _ selector: ArtifactSelector, to due: [PlannedUpload], record: DeliveryRecord, event: BuildEvent, into workFolder: URL,
        lastAttempt: Bool, results: inout [String: StoreResult], retryReasons: inout [String], logger: Logger
    ) async throws {
        let arrival = ArtifactArrival()
        onArrival?(arrival)
        let checkpoints = CheckpointLedger(due.reduce(into: [:]) { saved, upload in
            saved[upload.store] = results[upload.store]?.resumeData ?? [:]
        })
        let fetcher = fetcher
        var downloadFailure: ArtifactFetchError?
        try await withThrowingTaskGroup(of: Finished.self) { group in
            group.addTask {
                do throws(ArtifactFetchError) {
                    let artifact = try await Traced.span("download artifact") { (span) async throws(ArtifactFetchError) in
                        let artifact = try await fetcher.fetch(
                            event.artifactSource, selecting: selector, into: workFolder, expectedSHA256: event.artifactSHA256,
                            arrival: arrival)
                        span.attributes["slipway.artifact.name"] = artifact.fileName
                        span.attributes["slipway.artifact.bytes"] = Int(artifact.size)
                        return artifact
                    }
                    await arrival.complete(artifact)
                    return .downloaded(.success(artifact))
                } catch {
                    await arrival.fail(error.description)
                    return .downloaded(.failure(error))
                }
            }

            // Stores start once the download announced its length (or ended without announcing).
            if let artifact = await arrival.uploadable() {
                try await markUploading(due, artifact: artifact, record: record, event: event, results: &results, logger: logger)
                for upload in due {
                    let task = uploadTask(
                        upload, artifact: artifact, event: event, deliveryID: record.id, lastAttempt: lastAttempt,
                        results: results, checkpoints: checkpoints, logger: logger)
                    group.addTask { await task() }
                }
            }

            for try await finished in group {
                switch finished {
                case .downloaded(.success(let artifact)):
                    logger.info(
                        "artifact downloaded",
                        metadata: ["name": "\(artifact.name)", "bytes": "\(artifact.size)", "sha256": "\(artifact.sha256)"])
                case .downloaded(.failure(let error)):
                    downloadFailure = error
                    group.cancelAll()
                case .uploaded(let store, let result, let retryReason):
                    // An upload that ended after the download failed was abandoned because of it (the
                    // download's task fails the arrival before it reports).
                    if await arrival.hasFailed { continue }
                    results[store] = result
                    try await jobStore.saveResult(deliveryID: record.id, result: result)
                    if let retryReason {
                        retryReasons.append(retryReason)
                        logger.warning("store upload will be retried", metadata: ["store": "\(store)", "error": "\(retryReason)"])
                    } else if result.state == .failed {
                        logger.error("store upload failed", metadata: ["store": "\(store)", "error": "\(result.failure?.description ?? result.summary)"])
                    } else {
                        logger.info("store upload finished", metadata: ["store": "\(store)", "state": "\(result.state.rawValue)"])
                    }
                }
            }
        }
        if let error = downloadFailure {
            try await recordDownloadFailure(
                error, for: due, deliveryID: record.id, lastAttempt: lastAttempt, checkpoints: checkpoints,
                results: &results, retryReasons: &retryReasons)
        }
    }

    /// Every store of the artifact gets the download's failure: pending again when it is worth retrying.
    private func recordDownloadFailure(
        _ error: ArtifactFetchError, for due: [PlannedUpload], deliveryID: String, lastAttempt: Bool,
        checkpoints: CheckpointLedger, results: inout [String: StoreResult], retryReasons: inout [String]
    ) async throws {
        let failure = StoreFailure(step: "download artifact", message: error.description)
        let retry = error.isRetryable && !lastAttempt
        if retry { retryReasons.append("download artifact: \(error.description)") }
        for upload in due {
            guard var result = results[upload.store] else { continue }
            result.state = retry ? .pending : .failed
            result.summary = retry ? "artifact download will be retried" : "failed: download artifact"
            result.failure = failure
            result.links = []
            result.updatedAt = Date()
            // A store that made its record before the download broke off continues it next time.
            result.resumeData = retry ? await checkpoints.saved(upload.store) : [:]
            results[upload.store] = result
            try await jobStore.saveResult(deliveryID: deliveryID, result: result)
        }
    }

    /// Records that the uploads started and says so (statuses, the comment, the check run in progress).
    private func markUploading(
        _ due: [PlannedUpload], artifact: Artifact, record: DeliveryRecord, event: BuildEvent,
        results: inout [String: StoreResult], logger: Logger
    ) async throws {
        for upload in due {
            guard var running = results[upload.store] else { continue }
            running.state = .running
            running.summary = "uploading \(artifact.fileName)"
            running.failure = nil
            running.updatedAt = Date()
            results[upload.store] = running
            try await jobStore.saveResult(deliveryID: record.id, result: running)
        }
        await reporter.report(
            deliveryID: record.id, source: record.source, event: event, plan: record.plan,
            results: ordered(results, record.plan), logger: logger)
    }

    /// One store's upload, as the group's child: its result, and why it will be retried if it will.
    private func uploadTask(
        _ upload: PlannedUpload, artifact: Artifact, event: BuildEvent, deliveryID: String, lastAttempt: Bool,
        results: [String: StoreResult], checkpoints: CheckpointLedger, logger: Logger
    ) -> @Sendable () async -> Finished {
        guard let uploader = uploaders[upload.uploaderKey] else {
            // Planned when the webhook came in; the config no longer has the store.
            let type = results[upload.store]?.storeType ?? .googlePlay
            let failure = StoreFailure(
                step: "start upload", message: "store \"\(upload.store)\" is no longer in the config",
                hint: "Re-declare it under stores: and re-deliver the webhook, or ignore this build.")
            let result = StoreResult(store: upload.store, storeType: type, state: .failed, summary: "failed: store removed", failure: failure)
            return { .uploaded(store: upload.store, result: result, retryReason: nil) }
        }
        let running = results[upload.store]
        let jobStore = jobStore
        let metrics = metrics
        return {
            let started = ContinuousClock.now
            func measured(_ result: StoreResult, retry: Bool) -> StoreResult {
                let outcome = retry ? "retry" : result.state == .waiting ? "waiting" : result.state == .failed ? "failed" : "succeeded"
                metrics?.upload(
                    storeType: result.storeType.rawValue, outcome: outcome, duration: ContinuousClock.now - started, bytes: artifact.size)
                return result
            }
            let checkpoint = StoreCheckpoint(saved: await checkpoints.saved(upload.store)) { values in
                await checkpoints.record(values, for: upload.store)
                guard var result = running else { return }
                result.resumeData = values
                result.updatedAt = Date()
                try await jobStore.saveResult(deliveryID: deliveryID, result: result)
            }
            do throws(StoreError) {
                let result = try await Traced.span("upload to \(upload.store)") { (span) async throws(StoreError) in
                    span.attributes["slipway.store"] = upload.store
                    span.attributes["slipway.store_type"] = uploader.definition.type.rawValue
                    let result = try await uploader.deliver(artifact, for: event, checkpoint: checkpoint, logger: logger)
                    span.attributes["slipway.store.state"] = result.state.rawValue
                    return result
                }
                return .uploaded(store: upload.store, result: measured(result, retry: false), retryReason: nil)
            } catch {
                if error.isRetryable && !lastAttempt {
                    var result = error.result
                    result.state = .pending
                    result.summary = "will retry: \(error.failure.step)"
                    result.resumeData = await checkpoints.saved(upload.store)
                    return .uploaded(store: upload.store, result: measured(result, retry: true), retryReason: error.description)
                }
                return .uploaded(store: upload.store, result: measured(error.result, retry: false), retryReason: nil)
            }
        }
    }
}

/// The checkpoints of one fan-out's stores (`StoreCheckpoint`): what each saved last, so a result
/// recorded after a retryable failure or a broken-off download keeps it for the next attempt.
actor CheckpointLedger {
    private var values: [String: [String: String]]

    init(_ values: [String: [String: String]]) { self.values = values }

    func saved(_ store: String) -> [String: String] { values[store] ?? [:] }

    func record(_ saved: [String: String], for store: String) { values[store] = saved }
}
