package import Foundation

/// The builds one pull request's Slipway comment has reported: the newest on top, the earlier ones
/// in a collapsed "Earlier builds" list. The list travels in the comment itself (a hidden, base64
/// JSON line), so any replica that edits the comment next knows it, with nothing else stored.
package struct PullRequestHistory: Codable, Sendable, Equatable {
    package struct Build: Codable, Sendable, Equatable {
        /// `github:acme/app#4242.2`: a re-run is another build of the same run.
        package var key: String
        package var shortSHA: String
        package var ref: String
        package var time: String
        package var outcome: String
        package var links: [Link]

        package init(key: String, shortSHA: String, ref: String, time: String, outcome: String, links: [Link]) {
            self.key = key
            self.shortSHA = shortSHA
            self.ref = ref
            self.time = time
            self.outcome = outcome
            self.links = links
        }
    }

    package struct Link: Codable, Sendable, Equatable {
        package var store: String
        package var title: String
        package var url: String

        package init(store: String, title: String, url: String) {
            self.store = store
            self.title = title
            self.url = url
        }
    }

    package var current: Build?
    package var earlier: [Build] = []

    package init(current: Build? = nil, earlier: [Build] = []) {
        self.current = current
        self.earlier = earlier
    }

    /// The marker of the one comment per pull request (not per build).
    package static func marker(repository: String, number: Int) -> String {
        "<!-- slipway:pr github:\(repository)#\(number) -->"
    }

    /// The marker of the one note per GitLab merge request.
    package static func marker(project: String, mergeRequest: Int) -> String {
        "<!-- slipway:mr gitlab:\(project)!\(mergeRequest) -->"
    }

    /// The history entry for `report`'s build.
    package static func build(of report: BuildReport, key: String, at time: Date = Date()) -> Build {
        Build(
            key: key, shortSHA: report.shortSHA, ref: report.ref, time: ISO8601DateFormatter().string(from: time),
            outcome: report.headline, links: report.allLinks.map { .init(store: $0.store, title: $0.title, url: $0.url) })
    }

    static let dataPrefix = "<!-- slipway:history "

    /// The history an existing comment carries (empty for a comment without one).
    package static func read(from body: String?) -> PullRequestHistory {
        guard let body, let start = body.range(of: dataPrefix),
            let end = body.range(of: " -->", range: start.upperBound..<body.endIndex),
            let data = Data(base64Encoded: String(body[start.upperBound..<end.lowerBound])),
            let history = try? JSONDecoder().decode(PullRequestHistory.self, from: data)
        else { return PullRequestHistory() }
        return history
    }

    /// This history with `build` as the newest: the previous newest moves to the earlier list,
    /// unless it is the same build (a later report of one delivery replaces it in place).
    package func reporting(_ build: Build) -> PullRequestHistory {
        var earlier = self.earlier.filter { $0.key != build.key }
        if let current, current.key != build.key { earlier.insert(current, at: 0) }
        return PullRequestHistory(current: build, earlier: earlier)
    }

    /// `body` (the newest build's report) followed by the earlier builds and the hidden data, kept
    /// under `limit` characters by dropping the oldest builds first.
    package func comment(body: String, limit: Int) -> String {
        var history = self
        while true {
            let text = body + history.earlierSection() + "\n" + history.data()
            if text.count <= limit || history.earlier.isEmpty { return text }
            history.earlier.removeLast()
        }
    }

    private func earlierSection() -> String {
        guard !earlier.isEmpty else { return "" }
        var rows = ""
        for build in earlier {
            let links = build.links.map { "[\(Self.cell($0.store)): \(Self.cell($0.title))](\($0.url))" }.joined(separator: " · ")
            let attempt = build.key.split(separator: ".").last.map { "attempt \($0)" } ?? ""
            rows += "| `\(Self.cell(build.shortSHA))` \(Self.cell(build.ref)) | \(attempt) | \(Self.cell(build.time)) | \(Self.cell(build.outcome)) | \(links) |\n"
        }
        return "\n\n<details><summary>Earlier builds (\(earlier.count))</summary>\n\n| Build | Attempt | When | Outcome | Links |\n|---|---|---|---|---|\n"
            + rows + "\n</details>"
    }

    private func data() -> String {
        let json = (try? JSONEncoder().encode(self)) ?? Data()
        return Self.dataPrefix + json.base64EncodedString() + " -->"
    }

    /// Text safe inside a Markdown table cell.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
