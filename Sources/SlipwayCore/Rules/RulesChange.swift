/// What a pull request's change to its repository's rules file does to routing (issue 15 §2): for
/// each branch or tag pattern and event the rules mention, the stores builds go to with the file
/// of the base branch and with the file of the pull request's commit — plus the new file's problems.
///
/// Made when a pull request's build is routed, stored with its plan, and turned into one PR
/// comment that each later build of the pull request edits.
package struct RulesChange: Codable, Sendable, Hashable {
    package struct Row: Codable, Sendable, Hashable {
        /// The pattern as written (`release/*`), `*` for a rule that takes any branch.
        package var pattern: String
        /// `push`, `pull_request` or `tag`.
        package var event: String
        package var before: [String]
        package var after: [String]

        package var changed: Bool { before != after }
    }

    /// The file at the pull request's commit, as messages name it (`acme/app@3484a3f:.slipway.yml`).
    package var file: String
    package var baseBranch: String
    package var rows: [Row]
    /// The new file's problems (`FILE:LINE: message`); the rules they are in would be refused.
    package var problems: [String]

    package var changedRows: [Row] { rows.filter(\.changed) }

    /// Compares routing of `repository`'s builds under the server's rules plus `before` (the base
    /// branch's file; nil when it has none) with the server's rules plus `after`.
    package static func compare(
        repository: String, server: SlipwayConfig, before: RepositoryRules?, after: RepositoryRules?, file: String,
        baseBranch: String
    ) -> RulesChange {
        let none = RepositoryRules(file: file, rules: [], problems: [])
        let old = server.adding(before ?? none)
        let new = server.adding(after ?? none)
        let serverRules = server.rules.filter { $0.repositories.accepts(repository) }
        var cases: [(pattern: String, trigger: BuildEvent.Trigger)] = []
        for rule in serverRules + (before?.rules ?? []) + (after?.rules ?? []) {
            for trigger in BuildEvent.Trigger.allCases where rule.triggers.contains(trigger) {
                let filter = trigger == .tag ? rule.tags : rule.branches
                for pattern in filter.include.isEmpty ? ["*"] : filter.include.map(\.pattern)
                where !cases.contains(where: { $0.pattern == pattern && $0.trigger == trigger }) {
                    cases.append((pattern, trigger))
                }
            }
        }
        var rows: [Row] = []
        for (pattern, trigger) in cases {
            guard let name = example(of: pattern) else { continue }
            let input = MatchInput(
                repository: repository, branch: trigger == .tag ? nil : name, tag: trigger == .tag ? name : nil, trigger: trigger,
                pullRequest: trigger == .pullRequest ? 1 : nil, conclusion: .success)
            rows.append(
                Row(
                    pattern: pattern, event: trigger.rawValue, before: old.plan(for: input).uploads.map(\.store),
                    after: new.plan(for: input).uploads.map(\.store)))
        }
        return RulesChange(file: file, baseBranch: baseBranch, rows: rows, problems: (after?.problems ?? []).map(\.description))
    }

    /// A name `pattern` matches (`release/*` → `release/x`), or nil when this simple reading of it
    /// finds none: the first alternative of each `{…}`, `x` for each wildcard.
    static func example(of pattern: String) -> String? {
        var name = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            switch character {
            case "*", "?": name.append("x")
            case "{":
                var depth = 1
                var taking = true
                while depth > 0, let next = characters.next() {
                    switch next {
                    case "{": depth += 1
                    case "}": depth -= 1
                    case "," where depth == 1: taking = false
                    default: if taking { name.append(next == "*" || next == "?" ? "x" : next) }
                    }
                }
            default: name.append(character)
            }
        }
        guard let glob = try? Glob(pattern), glob.matches(name) else { return nil }
        return name
    }
}
