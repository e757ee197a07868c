package import Foundation
package import Logging
package import SlipwayCore
package import SlipwayIntake
package import SlipwayQueue
package import SlipwayStores
import SlipwayHTTP
import Tracing

/// Carries out one accepted delivery: downloads each selected artifact once (sha256 computed while
/// it streams), uploads it to every planned store concurrently — while it still downloads, where the
/// source allows (`fanOut`) — saves each store's result as soon as it is known, and reports.
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
    package let polls: PollSchedule
    /// Told of each download's arrival as it starts (tests; nil in production).
    package let onArrival: (@Sendable (ArtifactArrival) -> Void)?
    /// Upload durations and sizes for `/metrics` (nil: not counted).
    package let metrics: SlipwayMetrics?

    package init(
        jobStore: any JobStore, uploaders: [String: any StoreUploader], fetcher: ArtifactFetcher,
        reporter: ResultReporter, dataDirectory: URL, schedule: RetrySchedule, polls: PollSchedule = PollSchedule(),
        onArrival: (@Sendable (ArtifactArrival) -> Void)? = nil, metrics: SlipwayMetrics? = nil
    ) {
        self.onArrival = onArrival
        self.metrics = metrics
        self.polls = polls
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
            guard let record = try await jobStore.delivery(id: job.deliveryID) else {
                return .failed(reason: "delivery \(job.deliveryID) is not in the job store")
            }
            // A child of the webhook's trace (stored with the delivery), however much later it runs.
            return try await Traced.span(job.kind.rawValue, kind: .consumer, context: TraceParent.context(record.traceParent)) {
                span in
                span.attributes["slipway.delivery"] = job.deliveryID
                span.attributes["slipway.job.attempt"] = job.attempts
                let outcome = switch job.kind {
                case .deliver: try await deliver(job, record: record, logger: logger)
                case .poll: try await poll(job, record: record, logger: logger)
                }
                span.attributes["slipway.job.outcome"] = outcome.name
                if case .failed = outcome { span.setStatus(SpanStatus(code: .error)) }
                return outcome
            }
        } catch {
            logger.error("delivery job failed unexpectedly", metadata: ["error": "\(error)"])
            if job.attempts < schedule.maxAttempts {
                return .retry(after: schedule.delay(afterAttempt: job.attempts), reason: "\(error)")
            }
            try? await jobStore.setDeliveryState(deliveryID: job.deliveryID, state: .failed, error: "\(error)")
            return .failed(reason: "\(error)")
        }
    }

    private func deliver(_ job: ClaimedJob, record: DeliveryRecord, logger: Logger) async throws -> JobOutcome {
        let event = try await completed(record.event)
        let plan = record.plan
        var results: [String: StoreResult] = [:]
        for result in record.results { results[result.store] = result }

        try await jobStore.setDeliveryState(deliveryID: record.id, state: .running, error: nil)
        for upload in plan.uploads where results[upload.store] == nil {
            let type = uploaders[upload.uploaderKey]?.definition.type ?? .googlePlay
            let pending = StoreResult(store: upload.store, storeType: type, state: .pending, summary: "queued")
            try await jobStore.saveResult(deliveryID: record.id, result: pending)
            results[upload.store] = pending
        }
        if job.attempts == 1 {
            await reporter.report(
                deliveryID: record.id, source: record.source, event: event, plan: plan, results: ordered(results, plan),
                logger: logger)
        }

        let lastAttempt = job.attempts >= schedule.maxAttempts
        var retryReasons: [String] = []
        // One folder per claim: a worker that lost its lease (and is still finishing) and the one that
        // took the job over never share files, so one's clean-up cannot delete what the other reads.
        let deliveryFolder = dataDirectory.appendingPathComponent(record.id, isDirectory: true)
        let workFolder = deliveryFolder.appendingPathComponent("job-\(job.id)-claim-\(job.attempts)", isDirectory: true)
        defer {
            try? FileManager.default.removeItem(at: workFolder)
            // The delivery's folder goes once no claim uses it; rmdir(2) leaves a non-empty one alone.
            _ = rmdir(deliveryFolder.path)
        }

        for selector in plan.selectors {
            // Uploaded already (final, or waiting on the store's own review): never again.
            let due = plan.uploads.filter { upload in
                guard upload.artifact == selector else { return false }
                guard let state = results[upload.store]?.state else { return true }
                return state == .pending || state == .running
            }
            guard !due.isEmpty else { continue }
            try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
            try await fanOut(
                selector, to: due, record: record, event: event, into: workFolder, lastAttempt: lastAttempt,
                results: &results, retryReasons: &retryReasons, logger: logger)
        }

        let final = ordered(results, plan)
        await reporter.report(
            deliveryID: record.id, source: record.source, event: event, plan: plan, results: final, logger: logger)

        if !retryReasons.isEmpty {
            let delay = schedule.delay(afterAttempt: job.attempts)
            try await jobStore.setDeliveryState(deliveryID: record.id, state: .queued, error: retryReasons.joined(separator: "; "))
            return .retry(after: delay, reason: retryReasons.joined(separator: "; "))
        }
        try await settle(deliveryID: record.id, results: final, nextPollRound: 1)
        return .completed
    }

    /// Checks every `.waiting` store result again, reports what changed, and schedules the next
    /// check while something is still waiting. Rounds travel in the job payload, so a restart
    /// continues the same schedule.
    private func poll(_ job: ClaimedJob, record: DeliveryRecord, logger: Logger) async throws -> JobOutcome {
        let round = job.payload.flatMap { Int($0.split(separator: "=").last ?? "") } ?? 1
        let event = try await completed(record.event)
        var results: [String: StoreResult] = [:]
        for result in record.results { results[result.store] = result }
        var changed = false
        for upload in record.plan.uploads {
            guard var result = results[upload.store], result.state == .waiting else { continue }
            guard let uploader = uploaders[upload.uploaderKey] as? any PollingStoreUploader else { continue }
            let previous = result
            do throws(StoreError) {
                result = try await Traced.span("check \(upload.store)") { (span) async throws(StoreError) -> StoreResult in
                    span.attributes["slipway.store"] = upload.store
                    span.attributes["slipway.store_type"] = uploader.definition.type.rawValue
                    return try await uploader.poll(result, for: event, logger: logger)
                }
            } catch {
                // A blip while checking is not a verdict on the build: keep waiting, try next round.
                if !error.isRetryable {
                    result = error.result
                }
                logger.warning("store status check failed", metadata: ["store": "\(upload.store)", "error": "\(error)"])
            }
            if round >= polls.maxRounds && result.state == .waiting {
                result.state = .failed
                result.failure = StoreFailure(
                    step: "wait for the store", message: "still \(result.summary) after \(round) checks",
                    hint: "Check the build in the store's console; Slipway stopped checking.")
                result.summary = "gave up waiting"
            }
            if result != previous {
                result.updatedAt = Date()
                results[upload.store] = result
                try await jobStore.saveResult(deliveryID: record.id, result: result)
                changed = true
                logger.info("store state changed", metadata: ["store": "\(upload.store)", "state": "\(result.state.rawValue)", "summary": "\(result.summary)"])
            }
        }
        let ordered = ordered(results, record.plan)
        if changed {
            await reporter.report(
                deliveryID: record.id, source: record.source, event: event, plan: record.plan, results: ordered, logger: logger)
        }
        try await settle(deliveryID: record.id, results: ordered, nextPollRound: round + 1)
        return .completed
    }

    /// Records the delivery's overall state and, while a store is still waiting, schedules its next check.
    private func settle(deliveryID: String, results: [StoreResult], nextPollRound: Int) async throws {
        let failed = results.filter { $0.state == .failed }
        let waiting = results.contains { $0.state == .waiting }
        if waiting {
            let runAt = Date().addingTimeInterval(Self.seconds(polls.delay(beforeRound: nextPollRound)))
            try await jobStore.enqueue(deliveryID: deliveryID, kind: .poll, runAt: runAt, payload: "round=\(nextPollRound)")
        }
        let state: DeliveryState = waiting ? .waiting : (failed.isEmpty ? .done : .failed)
        let summary = failed.isEmpty ? nil : failed.map { "\($0.store): \($0.failure?.description ?? $0.summary)" }.joined(separator: "; ")
        try await jobStore.setDeliveryState(deliveryID: deliveryID, state: state, error: summary)
    }

    private static func seconds(_ duration: Duration) -> TimeInterval { duration.timeInterval }

    /// Fills in what a CI's webhook leaves out (Bitrise sends no commit SHA) from its API.
    private func completed(_ event: BuildEvent) async throws -> BuildEvent {
        guard event.provider == .bitrise, event.sha.isEmpty else { return event }
        return try await fetcher.completingBitriseEvent(event)
    }

    func ordered(_ results: [String: StoreResult], _ plan: DeliveryPlan) -> [StoreResult] {
        plan.uploads.compactMap { results[$0.store] }
    }
}
