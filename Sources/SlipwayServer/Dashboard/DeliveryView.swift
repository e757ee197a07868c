import Foundation
import SlipwayCore
import SlipwayQueue

/// The JSON shape of a delivery in `/api/deliveries`: what came in, what was planned, what happened.
struct DeliveryView: Encodable {
    var id: String
    var source: String
    /// "picked up by reconciliation — no webhook was received", or absent.
    var intakeNote: String?
    var state: String
    var repository: String
    var branch: String?
    var tag: String?
    var sha: String
    var pullRequest: Int?
    var buildURL: String?
    var receivedAt: Date
    var updatedAt: Date
    var lastError: String?
    var matchedRules: [String]
    /// What was wrong in the repository's own rules file (absent when it had nothing wrong, or none).
    var rulesProblems: [String]?
    var stores: [StoreView]

    struct StoreView: Encodable {
        var store: String
        var type: String
        var state: String
        var summary: String
        var links: [StoreResult.Link]
        var details: [StoreResult.Detail]
        var failure: StoreFailure?

        enum CodingKeys: String, CodingKey {
            case store, type, state, summary, links, details, failure
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, source, state, repository, branch, tag, sha
        case intakeNote = "intake_note"
        case pullRequest = "pull_request"
        case buildURL = "build_url"
        case receivedAt = "received_at"
        case updatedAt = "updated_at"
        case lastError = "last_error"
        case matchedRules = "matched_rules"
        case rulesProblems = "rules_problems"
        case stores
    }

    init(_ record: DeliveryRecord) {
        id = record.id
        source = record.source
        intakeNote = IntakeSource.note(for: record.source)
        state = record.state.rawValue
        repository = record.event.repository
        branch = record.event.branch
        tag = record.event.tag
        sha = record.event.sha
        pullRequest = record.event.pullRequest
        buildURL = record.event.buildURL
        receivedAt = record.receivedAt
        updatedAt = record.updatedAt
        lastError = record.lastError
        matchedRules = record.plan.matchedRules
        rulesProblems = record.plan.rulesProblems
        stores = record.results.map {
            StoreView(
                store: $0.store, type: $0.storeType.rawValue, state: $0.state.rawValue, summary: $0.summary,
                links: $0.links, details: $0.details, failure: $0.failure)
        }
    }
}
