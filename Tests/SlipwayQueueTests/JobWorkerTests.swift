import Foundation
import Logging
import ServiceLifecycle
import SlipwayCore
import SlipwayQueue
import Testing

/// The worker loop, against a real SQLite store. No timing assertions: tests wait for events.
@Suite("JobWorker")
struct JobWorkerTests {
    @Test("a job that asks for a retry runs again and then completes")
    func retryThenComplete() async throws {
        try await TestDatabase(.sqlite).with { store in
            _ = try await store.accept(Fixtures.delivery(receivedAt: Date())).acceptedID()
            let (events, handler) = ScriptedHandler.make { attempt in
                attempt == 1 ? .retry(after: .zero, reason: "HTTP 503") : .completed
            }
            let worker = JobWorker(
                store: store, handler: handler, workerID: "test", concurrency: 2, lease: .seconds(30),
                pollInterval: .milliseconds(20), logger: testLogger)

            let attempts = try await runUntil(worker, events: events) { seen in
                seen.count == 2 ? seen : nil
            }
            #expect(attempts.map(\.attempts) == [1, 2])
            #expect(Set(attempts.map(\.id)).count == 1)
            // Completed: nothing is due even far in the future.
            #expect(try await store.claim(workerID: "check", lease: .seconds(1), now: Date() + 86_400) == nil)
        }
    }

    @Test("graceful shutdown stops claiming and lets the running job finish")
    func gracefulShutdownDrains() async throws {
        try await TestDatabase(.sqlite).with { store in
            let now = Date()
            let first = try await store.accept(Fixtures.delivery(receivedAt: now - 10)).acceptedID()
            let second = try await store.accept(Fixtures.delivery(receivedAt: now - 5)).acceptedID()
            let gate = Gate()
            let (events, handler) = ScriptedHandler.make(gate: gate) { _ in .completed }
            let worker = JobWorker(
                store: store, handler: handler, workerID: "test", concurrency: 1, lease: .seconds(30),
                pollInterval: .milliseconds(20), logger: testLogger)
            let group = ServiceGroup(configuration: .init(services: [worker], logger: testLogger))

            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = events.makeAsyncIterator()
                let started = try #require(await iterator.next())
                #expect(started.deliveryID == first)

                await group.triggerGracefulShutdown()
                await gate.open()  // the running job may finish only after shutdown began
                try await tasks.waitForAll()
            }

            // The first job was recorded as completed; the second was never claimed.
            let left = try #require(try await store.claim(workerID: "check", lease: .seconds(1), now: now + 86_400))
            #expect(left.deliveryID == second)
            #expect(left.attempts == 1)
            #expect(try await store.claim(workerID: "check", lease: .seconds(1), now: now + 86_400) == nil)
        }
    }

    @Test("a drain that outlasts its timeout abandons the job and puts it back in the queue, due at once")
    func aDrainPastItsTimeoutReleasesTheJob() async throws {
        try await TestDatabase(.sqlite).with { store in
            let now = Date()
            let id = try await store.accept(Fixtures.delivery(receivedAt: now - 10)).acceptedID()
            let (events, handler) = HangingHandler.make()
            let worker = JobWorker(
                store: store, handler: handler, workerID: "test", concurrency: 1, lease: .seconds(600),
                pollInterval: .milliseconds(20), drainTimeout: .milliseconds(200), logger: testLogger)
            let group = ServiceGroup(configuration: .init(services: [worker], logger: testLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = events.makeAsyncIterator()
                let started = try #require(await iterator.next())
                #expect(started.deliveryID == id)
                await group.triggerGracefulShutdown()
                // The handler never finishes on its own: the worker returning at all is the point.
                try await tasks.waitForAll()
            }
            #expect(await handler.cancelled.value, "the running job was cancelled")
            // Claimable right away, not after its 10-minute lease.
            let again = try #require(try await store.claim(workerID: "next-start", lease: .seconds(60), now: Date()))
            #expect(again.deliveryID == id)
            #expect(again.attempts == 2)
        }
    }

    @Test("wake() makes the worker claim a new job without waiting for the poll")
    func wakeClaimsAtOnce() async throws {
        try await TestDatabase(.sqlite).with { store in
            let (events, handler) = ScriptedHandler.make { _ in .completed }
            // A poll interval no test would wait for: only wake() can start the job.
            let worker = JobWorker(
                store: store, handler: handler, workerID: "test", concurrency: 1, lease: .seconds(30),
                pollInterval: .seconds(3600), logger: testLogger)
            let group = ServiceGroup(configuration: .init(services: [worker], logger: testLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let id = try await store.accept(Fixtures.delivery(receivedAt: Date() - 1)).acceptedID()
                worker.wake()
                var iterator = events.makeAsyncIterator()
                #expect(await iterator.next()?.deliveryID == id)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    /// Runs the worker in a ServiceGroup until `done` returns a value for the jobs seen so far, then shuts it down.
    private func runUntil<T: Sendable>(
        _ worker: JobWorker, events: AsyncStream<ClaimedJob>, done: @escaping @Sendable ([ClaimedJob]) -> T?
    ) async throws -> T {
        let group = ServiceGroup(configuration: .init(services: [worker], logger: testLogger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var seen: [ClaimedJob] = []
            var result: T?
            for await job in events {
                seen.append(job)
                if let value = done(seen) {
                    result = value
                    break
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try #require(result)
        }
    }
}

/// A handler that reports every job it is handed and answers from a script, optionally waiting at a gate first.
struct ScriptedHandler: JobHandler {
    let seen: AsyncStream<ClaimedJob>.Continuation
    let gate: Gate?
    let answer: @Sendable (_ attempt: Int) -> JobOutcome

    static func make(
        gate: Gate? = nil, answer: @escaping @Sendable (_ attempt: Int) -> JobOutcome
    ) -> (AsyncStream<ClaimedJob>, ScriptedHandler) {
        let (stream, continuation) = AsyncStream.makeStream(of: ClaimedJob.self)
        return (stream, ScriptedHandler(seen: continuation, gate: gate, answer: answer))
    }

    func handle(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        seen.yield(job)
        await gate?.wait()
        return answer(job.attempts)
    }
}

/// A handler whose job runs until cancelled (an upload that would outlast any drain).
struct HangingHandler: JobHandler {
    let seen: AsyncStream<ClaimedJob>.Continuation
    let cancelled: Flag

    actor Flag {
        var value = false
        func set() { value = true }
    }

    static func make() -> (AsyncStream<ClaimedJob>, HangingHandler) {
        let (stream, continuation) = AsyncStream.makeStream(of: ClaimedJob.self)
        return (stream, HangingHandler(seen: continuation, cancelled: Flag()))
    }

    func handle(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        seen.yield(job)
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
        await cancelled.set()
        return .retry(after: .seconds(30), reason: "cancelled")
    }
}

/// Holds callers of `wait()` until `open()`.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
