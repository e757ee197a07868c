package import Foundation
package import Logging
import SlipwayCore
package import SlipwayIntake
package import SlipwayQueue
package import SlipwayStores

/// Carries out one accepted delivery: downloads each selected artifact once (sha256 computed while
/// it streams), uploads it to every planned store concurrently, saves each store's result as soon
/// as it is known, and reports.
///
/// Resumable by construction: a store whose result is final is never run again, so a job claimed
/// again after a crash uploads only where nothing was recorded yet.
package struct DeliveryProcessor: JobHandler {
    package let jobStore: any JobStore
    package let uploaders: [String: any StoreUploader]
    package let fetcher: ArtifactFetcher
    package let reporter: ResultReporter
    package let dataDirectory: URL
    package let schedule: RetrySchedule

    package init(
        jobStore: any JobStore, uploaders: [String: any StoreUploader], fetcher: ArtifactFetcher,
        reporter: ResultReporter, dataDirectory: URL, schedule: RetrySchedule
    ) {
        self.jobStore = jobStore
        self.uploaders = uploaders
        self.fetcher = fetcher
        self.reporter = reporter
        self.dataDirectory = dataDirectory
        self.schedule = schedule
    }

    package func handle(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        var logger = logger
        logger[metadataKey: "delivery"] = "\(job.deliveryID)"
        do {
            return try await deliver(job, logger: logger)
        } catch {
            logger.error("delivery job failed unexpectedly", metadata: ["error": "\(error)"])
            if job.attempts < schedule.maxAttempts {
                return .retry(after: schedule.delay(afterAttempt: job.attempts), reason: "\(error)")
            }
            try? await jobStore.setDeliveryState(deliveryID: job.deliveryID, state: .failed, error: "\(error)")
            return .failed(reason: "\(error)")
        }
    }

    private func deliver(_ job: ClaimedJob, logger: Logger) async throws -> JobOutcome {
        guard let record = try await jobStore.delivery(id: job.deliveryID) else {
            return .failed(reason: "delivery \(job.deliveryID) is not in the job store")
        }
        let event = record.event
        let plan = record.plan
        var results: [String: StoreResult] = [:]
        for result in record.results { results[result.store] = result }

        try await jobStore.setDeliveryState(deliveryID: record.id, state: .running, error: nil)
        for upload in plan.uploads where results[upload.store] == nil {
            let type = uploaders[upload.store]?.definition.type ?? .googlePlay
            let pending = StoreResult(store: upload.store, storeType: type, state: .pending, summary: "queued")
            try await jobStore.saveResult(deliveryID: record.id, result: pending)
            results[upload.store] = pending
        }
        if job.attempts == 1 {
            await reporter.report(deliveryID: record.id, event: event, plan: plan, results: ordered(results, plan), logger: logger)
        }

        let lastAttempt = job.attempts >= schedule.maxAttempts
        var retryReasons: [String] = []
        let workFolder = dataDirectory.appendingPathComponent(record.id, isDirectory: true)
        defer { try? FileManager.default.removeItem(at: workFolder) }

        for selector in plan.selectors {
            let due = plan.uploads.filter { $0.artifact == selector && !(results[$0.store]?.state.isFinal ?? false) }
            guard !due.isEmpty else { continue }
            try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)

            let artifact: Artifact
            do throws(ArtifactFetchError) {
                artifact = try await fetcher.fetch(event.artifactSource, selecting: selector, into: workFolder)
                logger.info(
                    "artifact downloaded",
                    metadata: ["name": "\(artifact.name)", "bytes": "\(artifact.size)", "sha256": "\(artifact.sha256)"])
            } catch {
                let failure = StoreFailure(step: "download artifact", message: error.description)
                let retry = error.isRetryable && !lastAttempt
                if retry { retryReasons.append("download artifact: \(error.description)") }
                for upload in due {
                    var result = results[upload.store]!
                    result.state = retry ? .pending : .failed
                    result.summary = retry ? "artifact download will be retried" : "failed: download artifact"
                    result.failure = failure
                    result.updatedAt = Date()
                    results[upload.store] = result
                    try await jobStore.saveResult(deliveryID: record.id, result: result)
                }
                continue
            }

            for upload in due {
                var running = results[upload.store]!
                running.state = .running
                running.summary = "uploading \(artifact.fileName)"
                running.failure = nil
                running.updatedAt = Date()
                results[upload.store] = running
                try await jobStore.saveResult(deliveryID: record.id, result: running)
            }

            try await withThrowingTaskGroup(of: (String, StoreResult, String?).self) { group in
                for upload in due {
                    guard let uploader = uploaders[upload.store] else { continue }
                    group.addTask {
                        do throws(StoreError) {
                            let result = try await uploader.deliver(artifact, for: event, logger: logger)
                            return (upload.store, result, nil)
                        } catch {
                            if error.isRetryable && !lastAttempt {
                                var result = error.result
                                result.state = .pending
                                result.summary = "will retry: \(error.failure.step)"
                                return (upload.store, result, error.description)
                            }
                            return (upload.store, error.result, nil)
                        }
                    }
                }
                for try await (store, result, retryReason) in group {
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

        let final = ordered(results, plan)
        await reporter.report(deliveryID: record.id, event: event, plan: plan, results: final, logger: logger)

        if !retryReasons.isEmpty {
            let delay = schedule.delay(afterAttempt: job.attempts)
            try await jobStore.setDeliveryState(deliveryID: record.id, state: .queued, error: retryReasons.joined(separator: "; "))
            return .retry(after: delay, reason: retryReasons.joined(separator: "; "))
        }
        let failed = final.filter { $0.state == .failed }
        let waiting = final.contains { $0.state == .waiting }
        let state: DeliveryState = !failed.isEmpty ? .failed : (waiting ? .waiting : .done)
        let summary = failed.isEmpty ? nil : failed.map { "\($0.store): \($0.failure?.description ?? $0.summary)" }.joined(separator: "; ")
        try await jobStore.setDeliveryState(deliveryID: record.id, state: state, error: summary)
        return .completed
    }

    private func ordered(_ results: [String: StoreResult], _ plan: DeliveryPlan) -> [StoreResult] {
        plan.uploads.compactMap { results[$0.store] }
    }
}
