package import Foundation
package import SlipwayCore

/// What one reconciliation pass found and did, per source and repository: printed by
/// `slipway reconcile`, logged by the server.
package struct ReconcileReport: Sendable {
    package var dryRun: Bool
    package var sources: [Source] = []

    package struct Source: Sendable {
        package var provider: BuildEvent.Provider
        /// Set when the source was skipped or stopped for its rate limit.
        package var pausedUntil: Date?
        package var notes: [String] = []
        package var repositories: [Repository] = []
    }

    package struct Repository: Sendable {
        package var name: String
        /// Finished builds the listing returned.
        package var found = 0
        /// Builds a webhook (or an earlier pass) already brought in.
        package var alreadyDelivered = 0
        /// Builds an earlier pass had looked at (before its cursor).
        package var checkedBefore = 0
        /// Builds too young: left to their webhook for now.
        package var tooRecent = 0
        /// Builds no rule wants, or in a state that is not delivered.
        package var notWanted = 0
        /// Accepted now (or, in a dry run, that would be).
        package var enqueued: [Enqueued] = []
        /// The listing was unchanged since the last pass (a conditional request, no rate limit spent).
        package var unchanged = false
        package var truncated = false
        /// Not on this CI (the rules name repositories of several CIs), or hidden from the credentials.
        package var missing = false
        package var errors: [String] = []
    }

    package struct Enqueued: Sendable {
        package var buildKey: String
        package var label: String
        package var stores: [String]
        /// nil in a dry run.
        package var deliveryID: String?
    }

    package init(dryRun: Bool) {
        self.dryRun = dryRun
    }

    package var enqueuedCount: Int { sources.flatMap(\.repositories).map(\.enqueued.count).reduce(0, +) }
    package var errorCount: Int { sources.flatMap(\.repositories).map(\.errors.count).reduce(0, +) }

    /// One line per repository, then its enqueued builds and errors, for people.
    package var text: String {
        var lines: [String] = []
        let formatter = ISO8601DateFormatter()
        if sources.isEmpty {
            lines.append("no source with API credentials to reconcile (sources.github with a token or app, sources.gitlab with a token)")
        }
        for source in sources {
            for note in source.notes { lines.append("\(source.provider.rawValue): \(note)") }
            for repository in source.repositories {
                if repository.missing {
                    lines.append("\(source.provider.rawValue) \(repository.name): not found (not on this CI, or the credentials cannot see it)")
                    continue
                }
                var parts = ["\(repository.found) finished"]
                if repository.unchanged { parts = ["unchanged since the last pass"] }
                if repository.alreadyDelivered > 0 { parts.append("\(repository.alreadyDelivered) already delivered") }
                if repository.checkedBefore > 0 { parts.append("\(repository.checkedBefore) checked before") }
                if repository.notWanted > 0 { parts.append("\(repository.notWanted) not wanted by any rule") }
                if repository.tooRecent > 0 { parts.append("\(repository.tooRecent) too recent (left to the webhook)") }
                parts.append("\(repository.enqueued.count) \(dryRun ? "would be enqueued" : "enqueued")")
                if repository.truncated { parts.append("older builds not looked at (page limit)") }
                lines.append("\(source.provider.rawValue) \(repository.name): " + parts.joined(separator: ", "))
                for item in repository.enqueued {
                    let target = item.deliveryID.map { " as \($0)" } ?? ""
                    lines.append("  → \(item.label) (\(item.buildKey)) to \(item.stores.joined(separator: ", "))\(target)")
                }
                for error in repository.errors { lines.append("  ✗ \(error)") }
            }
            if let until = source.pausedUntil {
                lines.append("\(source.provider.rawValue): rate limited; asked again after \(formatter.string(from: until))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
