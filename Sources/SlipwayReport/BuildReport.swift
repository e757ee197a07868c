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
    /// How the build came in when that is worth saying ("picked up by reconciliation — no webhook
    /// was received"), so a team sees its webhook is broken; nil for a normal webhook.
    package var intakeNote: String?
    /// What is wrong in the repository's own rules file (`FILE:LINE: message`, one each); the rules
    /// concerned were refused and the server's rules applied.
    package var rulesProblems: [String] = []
    /// Stored, not computed: templates see stored properties only.
    package var hasRulesProblems = false
    /// What a pull request's change to the rules file does (the plan's `rulesChange`), for the one
    /// comment or note that says so; not a template variable.
    package var rulesChange: RulesChange?
    /// True when any store has a link: guards sections (a Slack `actions` block may not be empty).
    package var hasLinks = false
    /// Every store's links in one list, for a row of buttons.
    package var allLinks: [LinkEntry] = []
    /// The same report with every text JSON-escaped (no quotes added), for templates that render
    /// JSON (Teams, Discord): write `{{#json}}"title": "{{headline}}"{{/json}}`. Built from the raw
    /// results, so it has no Markdown-table escaping. Computed at init: after changing fields,
    /// call `refreshEscapedViews()`.
    package var json = Escaped()
    /// Like `json`, and additionally Slack-mrkdwn-escaped (`&`, `<`, `>`), so a branch name cannot
    /// close a link or ping `<!channel>`. URLs are only JSON-escaped (they go in button `url`s and `<url|label>`).
    package var slack = Escaped()

    /// A link with the store it belongs to.
    package struct LinkEntry: Sendable {
        package var store: String
        package var title: String
        package var url: String
    }

    package struct Store: Sendable {
        package var name: String
        package var type: String
        package var state: String
        package var emoji: String
        package var summary: String
        /// The summary, or nil when it only repeats the state ("queued · queued").
        package var note: String?
        package var links: [StoreResult.Link]
        package var details: [StoreResult.Detail]
        package var failure: Failure?
        /// The raw state (`pending`, `running`, `waiting`, `succeeded`, `failed`), for code and templates.
        package var stateKey = ""
        package var succeeded = false
        package var failed = false
        /// Still uploading or queued (not `waiting`, which can last days).
        package var active = false
        package var hasLinks = false
        /// The report's `intakeNote`, here too because the commit-status line is rendered per store.
        package var intakeNote: String?
    }

    package struct Failure: Sendable {
        package var step: String
        package var message: String
        package var hint: String?
    }

    /// - Parameter intakeNote: `IntakeSource.note(for:)` of the delivery's source.
    /// - Parameter rulesProblems: the plan's `rulesProblems`.
    package init(
        deliveryID: String, event: BuildEvent, matchedRules: [String], results: [StoreResult], dashboardURL: String?,
        intakeNote: String? = nil, rulesProblems: [String] = []
    ) {
        self.deliveryID = deliveryID
        self.intakeNote = intakeNote
        self.rulesProblems = rulesProblems
        hasRulesProblems = !rulesProblems.isEmpty
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
                note: Self.note(result.summary, state: Self.word(result.state)), links: result.links, details: result.details.map { .init(label: $0.label, value: Self.cell($0.value)) },
                failure: result.state == .failed
                    ? result.failure.map { Failure(step: $0.step, message: $0.message, hint: $0.hint) } : nil,
                stateKey: result.state.rawValue, succeeded: result.state == .succeeded, failed: result.state == .failed,
                active: result.state == .pending || result.state == .running, hasLinks: !result.links.isEmpty,
                intakeNote: intakeNote)
        }
        allLinks = results.flatMap { result in
            result.links.map { LinkEntry(store: result.store, title: $0.title, url: $0.url) }
        }
        hasLinks = !allLinks.isEmpty
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
        rawCommitTitle = event.commitMessage?.split(separator: "\n").first.map(String.init)
        rawResults = results
        refreshEscapedViews()
    }

    /// Kept to build the escaped views from unescaped text.
    private var rawCommitTitle: String?
    private var rawResults: [StoreResult] = []

    /// Rebuilds `json` and `slack` from the current fields.
    package mutating func refreshEscapedViews() {
        json = Escaped(self, commitTitle: rawCommitTitle, results: rawResults, text: JSONText.escape, url: JSONText.escape)
        slack = Escaped(
            self, commitTitle: rawCommitTitle, results: rawResults, text: { JSONText.escape(JSONText.slackEscape($0)) },
            url: JSONText.escape)
    }

    /// The stores' states once no upload is queued or running, as `name=state;…`; nil while one
    /// is. Targets that cannot edit a message (Slack webhooks, Teams) post when this changes, so a
    /// channel gets one message per settled outcome instead of one per progress step.
    package var settledFingerprint: String? {
        guard !stores.isEmpty, !stores.contains(where: \.active) else { return nil }
        return stores.map { "\($0.name)=\($0.stateKey)" }.joined(separator: ";")
    }

    /// `summary` unless it says no more than `state`.
    static func note(_ summary: String, state: String) -> String? {
        let text = cell(summary)
        return text.isEmpty || text.lowercased() == state.lowercased() ? nil : text
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

extension BuildReport {
    /// The report's texts escaped for one output format; same keys as the report, so a template
    /// section `{{#json}}…{{/json}}` reads like the plain one. Every key is present (optionals are
    /// nil only when the report's are), so lookups never fall through to the unescaped report.
    package struct Escaped: Sendable {
        package var deliveryID = ""
        package var repository = ""
        package var sha = ""
        package var shortSHA = ""
        package var ref = ""
        package var pullRequest: Int?
        package var buildURL: String?
        package var dashboardURL: String?
        package var commitTitle: String?
        package var matchedRules = ""
        package var headline = ""
        package var stores: [Store] = []
        package var allSucceeded = false
        package var anyFailed = false
        package var anyWaiting = false
        package var updatedAt = ""
        package var intakeNote: String?
        package var rulesProblems: [String] = []
        package var hasRulesProblems = false
        package var hasLinks = false
        package var allLinks: [LinkEntry] = []

        package struct Store: Sendable {
            package var name: String
            package var type: String
            package var state: String
            package var stateKey: String
            package var emoji: String
            package var summary: String
            package var links: [StoreResult.Link]
            package var details: [StoreResult.Detail]
            package var failure: Failure?
            package var succeeded: Bool
            package var failed: Bool
            package var active: Bool
            package var hasLinks: Bool
        }

        package init() {}

        init(
            _ report: BuildReport, commitTitle: String?, results: [StoreResult], text: (String) -> String,
            url: (String) -> String
        ) {
            deliveryID = text(report.deliveryID)
            repository = text(report.repository)
            sha = text(report.sha)
            shortSHA = text(report.shortSHA)
            ref = text(report.ref)
            pullRequest = report.pullRequest
            buildURL = report.buildURL.map(url)
            dashboardURL = report.dashboardURL.map(url)
            self.commitTitle = commitTitle.map(text)
            matchedRules = text(report.matchedRules)
            headline = text(report.headline)
            allSucceeded = report.allSucceeded
            anyFailed = report.anyFailed
            anyWaiting = report.anyWaiting
            updatedAt = text(report.updatedAt)
            intakeNote = report.intakeNote.map(text)
            rulesProblems = report.rulesProblems.map(text)
            hasRulesProblems = report.hasRulesProblems
            hasLinks = report.hasLinks
            allLinks = report.allLinks.map { LinkEntry(store: text($0.store), title: text($0.title), url: url($0.url)) }
            stores = zip(report.stores, results).map { store, result in
                Store(
                    name: text(store.name), type: text(store.type), state: text(store.state), stateKey: store.stateKey,
                    emoji: store.emoji, summary: text(result.summary),
                    links: result.links.map { .init(title: text($0.title), url: url($0.url)) },
                    details: result.details.map { .init(label: text($0.label), value: text($0.value)) },
                    failure: store.failure.map { Failure(step: text($0.step), message: text($0.message), hint: $0.hint.map(text)) },
                    succeeded: store.succeeded, failed: store.failed, active: store.active, hasLinks: store.hasLinks)
            }
        }
    }
}

/// Escaping for text placed inside JSON string literals by templates.
package enum JSONText {
    /// The characters JSON forbids or gives meaning to inside a string, escaped; no quotes added.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Slack's three control characters in mrkdwn.
    package static func slackEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
