package import Foundation
package import Logging
import ServiceLifecycle

/// Claims due jobs and runs them through a `JobHandler`, up to `concurrency` at a time.
///
/// A `Service`: put it in the ServiceGroup next to the HTTP server. On graceful shutdown
/// (SIGTERM) it stops claiming and waits for the running jobs to finish (drain) — for at most
/// `drainTimeout`: then the running jobs are cancelled and put back in the queue due at once
/// (their leases released), so the process exits and the next start (or another replica) resumes
/// them; what a job saved as it went (a resumable upload session, a store already done) is kept.
/// On cancellation the running jobs are cancelled; their leases run out and another worker (or
/// the next start) claims them again.
///
/// While a job runs, its lease is extended every `lease / 3`. Each claim is held under its own
/// holder name (`workerID/N`), so a job that this same worker lost and claimed again cannot be
/// completed twice. `run()` may be called once per worker value (copies share one signal stream).
package struct JobWorker: Service {
    private enum Signal: Sendable {
        /// Something may be due: `wake()` was called or the poll interval passed.
        case wake
        /// A running job ended, so a slot is free.
        case finished
        /// Stop claiming and drain.
        case shutdown
        /// The drain took longer than `drainTimeout`: cancel what still runs.
        case abandon
    }

    private let store: any JobStore
    private let handler: any JobHandler
    private let workerID: String
    private let concurrency: Int
    private let lease: Duration
    private let pollInterval: Duration
    private let drainTimeout: Duration?
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let signals: AsyncStream<Signal>
    private let signal: AsyncStream<Signal>.Continuation

    /// - Parameters:
    ///   - workerID: Names this process in `locked_by` (host and pid, say); unique per replica.
    ///   - concurrency: How many jobs run at once (at least 1).
    ///   - lease: How long a claim holds without a heartbeat. A worker that dies loses its jobs to
    ///     another worker after this long, so keep it well above a heartbeat's round trip.
    ///   - pollInterval: How often to look for due jobs when nobody calls `wake()` (retries and
    ///     scheduled polls become due on their own).
    ///   - drainTimeout: How long a graceful shutdown waits for running jobs (nil: as long as they take).
    ///   - now: The clock for claims and retry times; tests inject one.
    package init(
        store: any JobStore, handler: any JobHandler, workerID: String, concurrency: Int, lease: Duration,
        pollInterval: Duration, drainTimeout: Duration? = nil, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.drainTimeout = drainTimeout
        self.store = store
        self.handler = handler
        self.workerID = workerID
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.pollInterval = pollInterval
        self.logger = logger
        self.now = now
        (signals, signal) = AsyncStream.makeStream(of: Signal.self)
    }

    /// Asks the worker to look for due jobs now rather than at the next poll. Cheap and never
    /// blocks: the webhook handler calls it after `accept`.
    package func wake() {
        signal.yield(.wake)
    }

    package func run() async throws {
        logger.info(
            "job worker started",
            metadata: ["worker": "\(workerID)", "concurrency": "\(concurrency)", "lease": "\(lease)"])
        let signal = self.signal
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.tick() }
                var running = 0
                var draining = false
                var claims = 0
                var iterator = signals.makeAsyncIterator()
                while true {
                    // Fill the free slots with due jobs.
                    while !draining && running < concurrency {
                        claims += 1
                        let holder = "\(workerID)/\(claims)"
                        let job: ClaimedJob
                        do {
                            guard let claimed = try await store.claim(workerID: holder, lease: lease, now: now())
                            else { break }
                            job = claimed
                        } catch {
                            logger.error("could not claim a job; trying again at the next poll", metadata: ["error": "\(error)"])
                            break
                        }
                        running += 1
                        group.addTask {
                            await self.process(job, holder: holder)
                            signal.yield(.finished)
                        }
                    }
                    guard let next = await iterator.next() else { break }  // cancelled
                    switch next {
                    case .wake: break
                    case .finished: running -= 1
                    case .shutdown:
                        if !draining {
                            logger.info("job worker draining", metadata: ["running": "\(running)"])
                            if let drainTimeout, running > 0 {
                                group.addTask {
                                    try? await Task.sleep(for: drainTimeout)
                                    signal.yield(.abandon)
                                }
                            }
                        }
                        draining = true
                    case .abandon:
                        if running > 0 {
                            logger.warning(
                                "drain took longer than server.shutdown_grace_seconds: abandoning the running jobs; the next start resumes them",
                                metadata: ["running": "\(running)"])
                            group.cancelAll()
                        }
                    }
                    if draining && running == 0 { break }
                }
                // Stops the poll ticker; after a drain no job is left, after a cancellation the jobs are cancelled too.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            signal.yield(.shutdown)
        }
        logger.info("job worker stopped", metadata: ["worker": "\(workerID)"])
    }

    /// Nudges the loop every `pollInterval` until cancelled.
    private func tick() async {
        while true {
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return
            }
            signal.yield(.wake)
        }
    }

    /// Runs one job with its lease kept alive, then records the outcome.
    private func process(_ job: ClaimedJob, holder: String) async {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(job.id)"
        logger[metadataKey: "delivery"] = "\(job.deliveryID)"
        logger[metadataKey: "kind"] = "\(job.kind.rawValue)"
        logger[metadataKey: "attempt"] = "\(job.attempts)"
        logger.debug("job claimed", metadata: ["holder": "\(holder)"])

        let jobLogger = logger
        let outcome: JobOutcome? = await withTaskGroup(of: JobOutcome?.self) { group in
            group.addTask { await self.handler.handle(job, logger: jobLogger) }
            group.addTask {
                // Returns only when the lease is lost (or the worker is cancelled): then the handler stops too.
                await self.keepLease(job, holder: holder, logger: jobLogger)
                return nil
            }
            var first = await group.next() ?? nil
            group.cancelAll()
            // Abandoned at shutdown: the lease keeper stops at once; wait for what the handler says.
            if first == nil && Task.isCancelled { first = await group.next() ?? nil }
            return first
        }
        if Task.isCancelled {
            await releaseAbandoned(job, holder: holder, outcome: outcome, logger: logger)
            return
        }
        guard let outcome else { return }

        do {
            switch outcome {
            case .completed:
                try await store.complete(jobID: job.id, workerID: holder)
                logger.info("job completed")
            case .retry(let delay, let reason):
                let runAt = now().addingTimeInterval(StoredValues.seconds(delay))
                try await store.retry(jobID: job.id, workerID: holder, error: reason, runAt: runAt)
                logger.notice("job will run again", metadata: ["in": "\(delay)", "reason": "\(reason)"])
            case .failed(let reason):
                try await store.fail(jobID: job.id, workerID: holder, error: reason)
                logger.error("job failed", metadata: ["reason": "\(reason)"])
            }
        } catch JobStoreError.leaseLost {
            logger.warning("job finished after another worker took it over; its outcome is dropped")
        } catch {
            logger.error(
                "could not record the job's outcome; it runs again once its lease expires",
                metadata: ["error": "\(error)"])
        }
    }

    /// A job cancelled by an abandoned drain goes back in the queue due now (unless it completed
    /// anyway), instead of waiting for its lease to run out. Written outside the cancelled task, so
    /// the database call is not cancelled with it.
    private func releaseAbandoned(_ job: ClaimedJob, holder: String, outcome: JobOutcome?, logger: Logger) async {
        let store = self.store
        let now = self.now()
        let result = await Task {
            if case .completed = outcome {
                try await store.complete(jobID: job.id, workerID: holder)
            } else {
                try await store.retry(
                    jobID: job.id, workerID: holder, error: "abandoned at shutdown (server.shutdown_grace_seconds); resumed on the next start",
                    runAt: now)
            }
        }.result
        if case .failure(let error) = result {
            logger.warning("could not release an abandoned job; it runs again once its lease expires", metadata: ["error": "\(error)"])
        } else {
            logger.notice("abandoned job released for the next start")
        }
    }

    /// Extends the lease every `lease / 3` until cancelled or the lease is lost.
    private func keepLease(_ job: ClaimedJob, holder: String, logger: Logger) async {
        while true {
            do {
                try await Task.sleep(for: lease / 3)
            } catch {
                return
            }
            do {
                try await store.heartbeat(jobID: job.id, workerID: holder, lease: lease, now: now())
            } catch JobStoreError.leaseLost {
                logger.warning("lost the job's lease to another worker; stopping it")
                return
            } catch {
                logger.warning("could not extend the job's lease; trying again", metadata: ["error": "\(error)"])
            }
        }
    }
}
