package import Foundation
package import Logging
package import SlipwayCore
package import SlipwayIntake
package import SlipwayQueue

/// One reconciliation pass: asks every CI source with API credentials for the builds that finished
/// recently, and accepts those no webhook brought in, exactly as their webhook would have.
///
/// Each listed build becomes the same `BuildEvent` as its webhook (same build key), is routed by
/// the same rules and accepted with source `reconcile`; the job store's unique build key keeps a
/// build from being delivered twice whichever comes first. A cursor per source and repository
/// (in the job store) remembers how far a pass got and the listing's `ETag`, so a restart does
/// not look at every build again and an unchanged listing costs no rate limit. A rate-limited
/// source is paused (in the job store, so every replica and the CLI respect it) while the others go on.
package struct Reconciler: Sendable {
    let config: SlipwayConfig
    let jobStore: any JobStore
    let listers: [any BuildLister]
    let wakeWorker: @Sendable () -> Void
    let now: @Sendable () -> Date

    /// Builds that changed this long before a cursor are looked at again (clock skew between CI and Slipway).
    static let overlap: TimeInterval = 60

    package init(
        config: SlipwayConfig, jobStore: any JobStore, listers: [any BuildLister], wakeWorker: @escaping @Sendable () -> Void = {},
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.jobStore = jobStore
        self.listers = listers
        self.wakeWorker = wakeWorker
        self.now = now
    }

    /// - Parameters:
    ///   - since: look back to here instead of `server.reconcile.lookback_hours`, ignoring cursors
    ///     (`slipway reconcile --since 6h`).
    ///   - dryRun: enqueue nothing and leave cursors and pauses as they are.
    ///   - renew: called between repositories, to keep the pass's lease.
    package func pass(
        since: Date? = nil, dryRun: Bool = false, logger: Logger, renew: @Sendable () async -> Void = {}
    ) async -> ReconcileReport {
        var report = ReconcileReport(dryRun: dryRun)
        let filters = config.rules.map(\.repositories)
        for lister in listers {
            var source = ReconcileReport.Source(provider: lister.provider)
            if let until = await pausedUntil(lister.provider), until > now() {
                source.pausedUntil = until
                report.sources.append(source)
                continue
            }
            let expansion = await lister.repositories(matching: filters)
            source.notes = expansion.notes
            for name in expansion.names {
                let outcome = await reconcile(name, with: lister, since: since, dryRun: dryRun, logger: logger)
                source.repositories.append(outcome.repository)
                await renew()
                if let until = outcome.pauseUntil {
                    source.pausedUntil = until
                    if !dryRun { try? await jobStore.setValue(String(until.timeIntervalSince1970), named: Self.pauseKey(lister.provider)) }
                    logger.warning(
                        "reconciliation paused for a CI's rate limit; other sources go on",
                        metadata: ["source": "\(lister.provider.rawValue)", "until": "\(until)"])
                    break
                }
            }
            report.sources.append(source)
        }
        return report
    }

    struct RepositoryOutcome {
        var repository: ReconcileReport.Repository
        var pauseUntil: Date?
    }

    private func reconcile(
        _ name: String, with lister: any BuildLister, since explicitSince: Date?, dryRun: Bool, logger: Logger
    ) async -> RepositoryOutcome {
        var outcome = RepositoryOutcome(repository: .init(name: name))
        let started = now()
        let cursorKey = Self.cursorKey(lister.provider, name)
        let cursor = explicitSince == nil ? await loadCursor(cursorKey) : nil
        let windowStart = explicitSince ?? Self.windowStart(now: started, lookbackHours: config.server.reconcile.lookbackHours)
        // A listing is only asked "unchanged?" when nothing was left for later last time.
        let etag = cursor.flatMap { $0.windowStart == windowStart && !$0.leftRecent ? $0.etag : nil }
        let listing: BuildListing
        do throws(ListingError) {
            listing = try await lister.finishedBuilds(in: name, since: windowStart, etag: etag)
        } catch {
            switch error {
            case .rateLimited(let until, let message):
                outcome.repository.errors.append("rate limited: \(message)")
                outcome.pauseUntil = until
            case .notFound:
                // The rules name repositories of several CIs; this one is not on this CI.
                outcome.repository.missing = true
            default:
                outcome.repository.errors.append(error.description)
                logger.warning("reconciliation could not list builds", metadata: ["repository": "\(name)", "error": "\(error)"])
            }
            return outcome
        }
        outcome.pauseUntil = listing.exhaustedUntil
        outcome.repository.unchanged = listing.notModified
        outcome.repository.truncated = listing.truncated
        outcome.repository.found = listing.builds.count
        let grace = TimeInterval(config.server.reconcile.graceSeconds)
        var failed = false
        for build in listing.builds {
            if let through = cursor?.checkedThrough, build.finishedAt <= through.addingTimeInterval(-Self.overlap) {
                outcome.repository.checkedBefore += 1
                continue
            }
            if build.finishedAt > started.addingTimeInterval(-grace) {
                outcome.repository.tooRecent += 1
                continue
            }
            guard build.deliverable else {
                outcome.repository.notWanted += 1
                continue
            }
            do {
                if try await jobStore.deliveryID(buildKey: build.buildKey) != nil {
                    outcome.repository.alreadyDelivered += 1
                    continue
                }
                let event: BuildEvent
                do throws(ListingError) {
                    event = try await lister.completed(build)
                } catch {
                    failed = true
                    if case .rateLimited(let until, let message) = error {
                        outcome.repository.errors.append("rate limited: \(message)")
                        outcome.pauseUntil = until
                        break
                    }
                    outcome.repository.errors.append("\(build.label): \(error)")
                    continue
                }
                let plan = config.plan(for: event.matchInput)
                guard !plan.isEmpty else {
                    outcome.repository.notWanted += 1
                    continue
                }
                var item = ReconcileReport.Enqueued(
                    buildKey: event.buildKey, label: build.label, stores: plan.uploads.map(\.store), deliveryID: nil)
                if !dryRun {
                    switch try await jobStore.accept(
                        NewDelivery(
                            source: IntakeSource.reconcile, externalID: "reconcile:\(event.buildKey)", event: event, plan: plan,
                            receivedAt: now()))
                    {
                    case .accepted(let id):
                        item.deliveryID = id
                        logger.notice(
                            "build picked up by reconciliation: no webhook was received for it",
                            metadata: ["delivery": "\(id)", "build": "\(event.buildKey)"])
                        wakeWorker()
                    case .duplicate:
                        // A webhook (or another replica) got there between the check and now.
                        outcome.repository.alreadyDelivered += 1
                        continue
                    }
                }
                outcome.repository.enqueued.append(item)
            } catch {
                outcome.repository.errors.append("\(build.label): \(error)")
                failed = true
            }
        }
        // The cursor moves only over builds that were all looked at; a failure leaves it for the next pass.
        if !dryRun && !failed && outcome.pauseUntil == nil {
            let next = ReconcileCursor(
                windowStart: windowStart, etag: listing.etag,
                checkedThrough: started.addingTimeInterval(-grace), leftRecent: outcome.repository.tooRecent > 0)
            try? await jobStore.setValue(next.encoded, named: cursorKey)
        }
        return outcome
    }

    private func loadCursor(_ key: String) async -> ReconcileCursor? {
        (try? await jobStore.value(named: key)).flatMap { $0 }.flatMap(ReconcileCursor.init(encoded:))
    }

    private func pausedUntil(_ provider: BuildEvent.Provider) async -> Date? {
        guard let text = (try? await jobStore.value(named: Self.pauseKey(provider))).flatMap({ $0 }),
            let seconds = TimeInterval(text)
        else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    static func cursorKey(_ provider: BuildEvent.Provider, _ repository: String) -> String {
        "reconcile-cursor:\(provider.rawValue):\(repository)"
    }

    static func pauseKey(_ provider: BuildEvent.Provider) -> String { "reconcile-pause:\(provider.rawValue)" }

    /// The start of the lookback window, on the hour, so successive passes within an hour send the
    /// same query and GitHub can answer 304 to its `ETag`.
    static func windowStart(now: Date, lookbackHours: Int) -> Date {
        let start = now.addingTimeInterval(-TimeInterval(lookbackHours) * 3600).timeIntervalSince1970
        return Date(timeIntervalSince1970: (start / 3600).rounded(.down) * 3600)
    }
}

/// How far reconciliation got in one repository of one source.
struct ReconcileCursor: Codable, Equatable {
    /// The `created`/`updated_after` bound the listing was asked with (its `etag` belongs to that query).
    var windowStart: Date
    var etag: String?
    /// Every build that finished before this was looked at.
    var checkedThrough: Date
    /// Some builds were too recent and left for the next pass (which must not take a 304 for "nothing new").
    var leftRecent: Bool

    var encoded: String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    init(windowStart: Date, etag: String?, checkedThrough: Date, leftRecent: Bool) {
        self.windowStart = windowStart
        self.etag = etag
        self.checkedThrough = checkedThrough
        self.leftRecent = leftRecent
    }

    init?(encoded: String) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let value = try? decoder.decode(Self.self, from: Data(encoded.utf8)) else { return nil }
        self = value
    }
}
