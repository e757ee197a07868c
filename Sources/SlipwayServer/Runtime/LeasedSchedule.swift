import Foundation
import ServiceLifecycle
import SlipwayCore
package import SlipwayQueue

/// Work that one replica does each interval (reconciliation, retention): a first run shortly after
/// start, then one every `interval`, each under a job-store lease named `leaseName`.
///
/// The holder keeps the lease until one interval after its run ends (renewing it while it works,
/// through `renew`), so no other replica runs the same work meanwhile; a replica that dies stops
/// renewing, and once its lease runs out the next one to wake takes over.
package struct LeasedSchedule: Sendable {
    package let leaseName: String
    package let jobStore: any JobStore
    package let interval: Duration
    package let firstDelay: Duration
    package let holder: String

    package init(leaseName: String, jobStore: any JobStore, interval: Duration, firstDelay: Duration, holder: String) {
        self.leaseName = leaseName
        self.jobStore = jobStore
        self.interval = interval
        self.firstDelay = firstDelay
        self.holder = holder
    }

    /// Why a run did not happen.
    package enum Skipped: Error {
        case heldByAnotherReplica
        case leaseUnavailable(any Error)
    }

    /// Runs `work` at each interval until graceful shutdown.
    package func run(_ work: @escaping @Sendable (_ renew: @escaping @Sendable () async -> Void) async -> Void) async {
        var wait = firstDelay
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let delay = wait
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                return
            }
            _ = await once(work)
            wait = interval
        }
    }

    /// One run if this replica holds (or gets) the lease; the work's result, or why it was skipped.
    package func once<T: Sendable>(
        _ work: @Sendable (_ renew: @escaping @Sendable () async -> Void) async -> T
    ) async -> Result<T, Skipped> {
        do {
            guard try await takeLease() else { return .failure(.heldByAnotherReplica) }
        } catch {
            return .failure(.leaseUnavailable(error))
        }
        let renew: @Sendable () async -> Void = { _ = try? await self.takeLease() }
        let result = await work(renew)
        // Held for one interval after the run, so no other replica starts another one meanwhile.
        await renew()
        return .success(result)
    }

    /// Takes or renews the lease for one interval from now; true while this replica holds it.
    private func takeLease() async throws -> Bool {
        try await jobStore.tryLease(leaseName, holder: holder, until: Date().addingTimeInterval(interval.timeInterval), now: Date())
    }
}
