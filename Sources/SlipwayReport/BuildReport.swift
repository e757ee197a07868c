import Foundation
package import SlipwayCore

/// What a report says about one build, flattened for templates: plain fields, arrays for
/// sections, Bools and optionals for conditionals. Knows nothing of GitHub or HTTP.
package struct BuildReport: Sendable {
    package var deliveryID: String
    package var repository: String
    package var sha: String
    package var shortSHA: String
    /// Branch or tag name.
    package var ref: String
    package var pullRequest: Int?
    package var buildURL: String?
    package var dashboardURL: String?
    package var commitTitle: String?
    package var matchedRules: String
    package var headline: String
    package var stores: [Store]
    package var allSucceeded: Bool
    package var anyFailed: Bool
    package var anyWaiting: Bool
    package var updatedAt: String

    package struct Store: Sendable {
        package var name: String
        package var type: String
        package var state: String
        package var emoji: String
        package var summary: String
        package var links: [StoreResult.Link]
        package var details: [StoreResult.Detail]
        package var failure: Failure?
    }

    package struct Failure: Sendable {
        package var step: String
        package var message: String
        package var hint: String?
    }

    package init(deliveryID: String, event: BuildEvent, matchedRules: [String], results: [StoreResult], dashboardURL: String?) {
        self.deliveryID = deliveryID
        repository = event.repository
        sha = event.sha
        shortSHA = String(event.sha.prefix(7))
        ref = event.branch ?? event.tag ?? ""
        pullRequest = event.pullRequest
        buildURL = event.buildURL
        self.dashboardURL = dashboardURL
        commitTitle = event.commitMessage?.split(separator: "\n").first.map { Self.cell(String($0)) }
        self.matchedRules = matchedRules.joined(separator: ", ")
        stores = results.map { result in
            Store(
                name: result.store, type: result.storeType.displayName, state: Self.word(result.state),
                emoji: Self.emoji(result.state), summary: Self.cell(result.summary),
                links: result.links, details: result.details.map { .init(label: $0.label, value: Self.cell($0.value)) },
                failure: result.state == .failed
                    ? result.failure.map { Failure(step: $0.step, message: $0.message, hint: $0.hint) } : nil)
        }
        allSucceeded = !results.isEmpty && results.allSatisfy { $0.state == .succeeded }
        anyFailed = results.contains { $0.state == .failed }
        anyWaiting = results.contains { $0.state == .waiting || $0.state == .pending || $0.state == .running }
        let failed = results.filter { $0.state == .failed }.count
        if allSucceeded {
            headline = results.count == 1 ? "Delivered to \(results[0].storeType.displayName)" : "Delivered to all \(results.count) stores"
        } else if failed > 0 {
            headline = failed == 1 ? "1 store failed" : "\(failed) stores failed"
        } else {
            headline = "Delivering…"
        }
        updatedAt = ISO8601DateFormatter().string(from: results.map(\.updatedAt).max() ?? Date())
    }

    static func emoji(_ state: StoreResult.State) -> String {
        switch state {
        case .pending: "⏳"
        case .running: "🔄"
        case .waiting: "🕒"
        case .succeeded: "✅"
        case .failed: "❌"
        }
    }

    static func word(_ state: StoreResult.State) -> String {
        switch state {
        case .pending: "queued"
        case .running: "uploading"
        case .waiting: "waiting on the store"
        case .succeeded: "done"
        case .failed: "failed"
        }
    }

    /// Text safe inside a Markdown table cell: one line, pipes escaped.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
    }
}
