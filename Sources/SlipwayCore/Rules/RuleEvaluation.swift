/// How one rule judged one build: whether it matched, and a sentence per check saying why.
/// `slipway explain` prints these; the server logs the reason an ignored build was ignored.
package struct RuleEvaluation: Sendable, Equatable {
    package var rule: RoutingRule
    package var matched: Bool
    /// One line per check, in rule order: what was compared and the outcome.
    package var reasons: [String]
}

extension RoutingRule {
    /// Checks a build against this rule and says why it does or does not match.
    package func evaluate(_ input: MatchInput) -> RuleEvaluation {
        var reasons: [String] = []
        var matched = true

        func check(_ ok: Bool, _ yes: String, _ no: String) {
            reasons.append(ok ? "✓ " + yes : "✗ " + no)
            if !ok { matched = false }
        }

        check(
            triggers.contains(input.trigger),
            "event \(input.trigger.rawValue) is one of [\(triggerList)]",
            "event \(input.trigger.rawValue) is not one of [\(triggerList)]")

        switch repositories.evaluate(input.repository) {
        case .matched(let pattern):
            reasons.append("✓ repository \(input.repository) " + (pattern.map { "matches \"\($0)\"" } ?? "(rule takes any repository)"))
        case .notIncluded:
            check(false, "", "repository \(input.repository) matches none of \(quoted(repositories.patterns))")
        case .excluded(let pattern):
            check(false, "", "repository \(input.repository) is excluded by \"\(pattern)\"")
        }

        if input.trigger == .tag {
            if let tag = input.tag {
                describe(filter: tags, value: tag, noun: "tag", into: &reasons, matched: &matched)
            } else if !tags.include.isEmpty {
                check(false, "", "the build has no tag, but the rule wants tags \(quoted(tags.patterns))")
            }
        } else if let branch = input.branch {
            describe(filter: branches, value: branch, noun: "branch", into: &reasons, matched: &matched)
        } else if !branches.include.isEmpty {
            check(false, "", "the build has no branch, but the rule wants branches \(quoted(branches.patterns))")
        }

        check(
            conclusions.contains(input.conclusion),
            "conclusion \(input.conclusion.rawValue) is accepted",
            "conclusion \(input.conclusion.rawValue) is not accepted (rule wants \(conclusions.map(\.rawValue).sorted().joined(separator: ", ")))")

        return RuleEvaluation(rule: self, matched: matched, reasons: reasons)
    }

    private var triggerList: String {
        BuildEvent.Trigger.allCases.filter { triggers.contains($0) }.map(\.rawValue).joined(separator: ", ")
    }

    private func describe(filter: GlobFilter, value: String, noun: String, into reasons: inout [String], matched: inout Bool) {
        switch filter.evaluate(value) {
        case .matched(let pattern):
            reasons.append("✓ \(noun) \(value) " + (pattern.map { "matches \"\($0)\"" } ?? "(rule takes any \(noun))"))
        case .notIncluded:
            reasons.append("✗ \(noun) \(value) matches none of \(quoted(filter.patterns))")
            matched = false
        case .excluded(let pattern):
            reasons.append("✗ \(noun) \(value) is excluded by \"\(pattern)\"")
            matched = false
        }
    }

    private func quoted(_ patterns: [String]) -> String {
        "[" + patterns.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
