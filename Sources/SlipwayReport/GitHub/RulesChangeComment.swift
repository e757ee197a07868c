import Foundation
package import SlipwayCore

/// The pull request comment that says what a change to the repository's rules file does: whether
/// the new file is valid, and for each branch pattern and event the rules mention, the stores
/// before and after. One per pull request, found by its marker and edited by each later build.
package enum RulesChangeComment {
    package static func marker(repository: String, number: Int) -> String {
        "<!-- slipway:rules-change github:\(repository)#\(number) -->"
    }

    package static func marker(project: String, mergeRequest: Int) -> String {
        "<!-- slipway:rules-change gitlab:\(project)!\(mergeRequest) -->"
    }

    package static func body(_ change: RulesChange) -> String {
        var lines = [
            "### Slipway: what this pull request's rules file change does", "",
            "`\(change.file)` compared with the file on `\(change.baseBranch)`, routed with the server's rules.", "",
        ]
        if change.problems.isEmpty {
            lines.append("✅ The file is valid.")
        } else {
            lines.append("❌ \(change.problems.count) problem(s); the rules they are in would be refused:")
            lines += change.problems.map { "- \(cell($0))" }
        }
        lines.append("")
        if change.rows.isEmpty {
            lines.append("No rule names a branch or tag for this repository.")
        } else {
            lines += ["| Builds of | Event | On `\(change.baseBranch)` | With this pull request |", "|---|---|---|---|"]
            for row in change.rows {
                let before = stores(row.before)
                lines.append("| `\(cell(row.pattern))` | \(row.event) | \(before) | \(row.changed ? "**\(stores(row.after))**" : "no change") |")
            }
            let changed = change.changedRows.count
            lines += ["", changed == 0 ? "Routing does not change." : "\(changed) of \(change.rows.count) change."]
        }
        lines += ["", "<sub>Posted by Slipway · edited in place by each build of this pull request.</sub>"]
        return lines.joined(separator: "\n")
    }

    /// A commit status line for a rules file with problems: the first, cut to leave room for how
    /// many more there are within `limit` characters (GitHub 140, GitLab 255); nil with none.
    package static func statusDescription(_ problems: [String], limit: Int) -> String? {
        guard let first = problems.first else { return nil }
        let more = problems.count > 1 ? " (+\(problems.count - 1) more)" : ""
        return String(first.prefix(limit - 1 - more.count)) + more
    }

    private static func stores(_ names: [String]) -> String {
        names.isEmpty ? "not delivered" : names.joined(separator: ", ")
    }

    /// Text safe in a Markdown table cell.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
