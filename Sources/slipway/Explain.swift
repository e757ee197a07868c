import ArgumentParser
import Foundation
import SlipwayCore

/// `slipway explain`: which rules a build would match and why, and exactly what would run.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say which rules match a build and why the others don't, and which stores and notifications would run.")

    @Option(help: "The config file.")
    var config: String

    @OptionGroup var build: BuildSelection

    @Option(help: "Build conclusion: success, failure, cancelled, skipped.")
    var conclusion: String = "success"

    @Option(help: "The repository's own rules file (.slipway.yml) as it would be at the build's commit.")
    var repoRules: String?

    @Option(help: "With --repo-rules: the file as it is on the base branch; also prints what the change does to routing.")
    var baseRules: String?

    func run() throws {
        var loaded = try loadConfigOrExit(config)
        var ruleFiles: [String: String] = [:]
        if baseRules != nil && repoRules == nil { throw ValidationError("--base-rules goes with --repo-rules PATH") }
        if let repoRules {
            let rules = try RepositoryRulesFile.load(repoRules, repository: build.repo, config: loaded)
            if let baseRules {
                let base = try RepositoryRulesFile.load(baseRules, repository: build.repo, config: loaded, nameCheck: false)
                let change = RulesChange.compare(
                    repository: build.repo, server: loaded, before: base, after: rules, file: repoRules, baseBranch: baseRules)
                print(Self.describe(change))
            }
            for problem in rules.problems { print("Refused: \(problem)") }
            if !rules.problems.isEmpty { print("") }
            for rule in rules.rules { ruleFiles[rule.name] = rules.file }
            loaded = loaded.adding(rules)
        }
        let trigger = try build.trigger()
        guard let outcome = BuildEvent.Conclusion(rawValue: conclusion) else {
            throw ValidationError("--conclusion must be success, failure, cancelled or skipped")
        }
        let input = MatchInput(
            repository: build.repo, branch: build.branch, tag: build.tag, trigger: trigger, pullRequest: build.pr,
            conclusion: outcome)
        print(Self.explanation(config: loaded, input: input, ruleFiles: ruleFiles))
    }

    /// - Parameter ruleFiles: the file each rule from a repository's rules file came from (by rule name).
    static func explanation(config: SlipwayConfig, input: MatchInput, ruleFiles: [String: String] = [:]) -> String {
        var lines: [String] = []
        let ref = input.trigger == .tag ? "tag \(input.tag ?? "?")" : "branch \(input.branch ?? "?")"
        lines.append("Build: \(input.repository) \(ref) (\(input.trigger.rawValue)\(input.pullRequest.map { ", PR #\($0)" } ?? "")), conclusion \(input.conclusion.rawValue)")
        lines.append("")
        let plan = config.plan(for: input)
        for evaluation in config.evaluate(input) {
            let rule = evaluation.rule
            lines.append("Rule \"\(rule.name)\" (\(ruleFiles[rule.name] ?? config.file):\(rule.line)): \(evaluation.matched ? "MATCHES" : "does not match")")
            for reason in evaluation.reasons { lines.append("  \(reason)") }
            if evaluation.matched {
                lines.append("  → artifact: \(rule.artifact)")
                for name in rule.stores {
                    guard let override = rule.storeOverrides[name] else {
                        lines.append("  → store \(name): \(describe(store: config.store(named: name)))")
                        continue
                    }
                    let options = override.options.map { "\($0.key) \($0.value)" }.joined(separator: "; ")
                    lines.append("  → store \(name) with this rule's options (\(options)): \(describe(store: override.definition))")
                }
                // A store an earlier matching rule already took is delivered once, the earlier rule's way.
                for name in rule.stores {
                    if let planned = plan.uploads.first(where: { $0.store == name }), planned.rule != rule.name {
                        lines.append("    (\(name) is delivered once, as rule \"\(planned.rule)\" sets it: the first matching rule wins)")
                    }
                }
                if rule.notify.isEmpty {
                    lines.append("  → notify: nobody")
                }
                for name in rule.notify {
                    lines.append("  → notify \(name): \(describe(notification: config.notification(named: name), input: input))\(rule.notifyIsDefault ? " (default: every declared notification)" : "")")
                }
            }
            lines.append("")
        }
        if plan.isEmpty {
            lines.append("Result: no rule matches, so Slipway ignores this build (the webhook gets 200 with the reasons above).")
        } else {
            var steps: [String] = []
            for selector in plan.selectors {
                let stores = plan.uploads.filter { $0.artifact == selector }.map(\.store)
                steps.append("download the artifact matching \"\(selector)\" once and upload it to \(stores.joined(separator: ", "))")
            }
            if !plan.notifications.isEmpty { steps.append("report to \(plan.notifications.joined(separator: ", "))") }
            lines.append("Result: Slipway would " + steps.joined(separator: "; then ") + ".")
        }
        return lines.joined(separator: "\n")
    }

    /// What the pull request's file changes: one line per branch pattern and event the rules mention.
    static func describe(_ change: RulesChange) -> String {
        var lines = ["Routing with \(change.baseBranch) → with \(change.file):"]
        for row in change.rows {
            let before = row.before.isEmpty ? "not delivered" : row.before.joined(separator: ", ")
            let after = row.after.isEmpty ? "not delivered" : row.after.joined(separator: ", ")
            lines.append("  builds of \(row.pattern) (\(row.event)): " + (row.changed ? "\(before) → \(after)" : "no change (\(before))"))
        }
        if change.rows.isEmpty { lines.append("  no rule names a branch or tag for \(change.file)") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func describe(store: StoreDefinition?) -> String {
        guard let store else { return "(not declared)" }
        return "\(store.type.displayName), \(store.settings.described.explanation)"
    }

    static func describe(notification: NotificationDefinition?, input: MatchInput) -> String {
        guard let notification else { return "(not declared)" }
        switch notification.settings {
        case .github(let settings):
            var parts: [String] = []
            if settings.commitStatus { parts.append("commit status \(settings.statusContext)/<store> per store") }
            if settings.pullRequestComment {
                parts.append(input.pullRequest == nil ? "PR comment (skipped: the build has no PR)" : "one PR comment on #\(input.pullRequest!), edited as results change")
            }
            return "GitHub: " + (parts.isEmpty ? "nothing enabled" : parts.joined(separator: ", "))
        case .gitlab(let settings):
            var parts: [String] = []
            if settings.commitStatus { parts.append("commit status \(settings.statusName)/<store> per store") }
            if settings.mergeRequestNote {
                parts.append(input.pullRequest == nil ? "MR note (skipped: the build has no merge request)" : "one MR note on !\(input.pullRequest!), edited as results change")
            }
            return "GitLab (\(settings.apiURL)): " + (parts.isEmpty ? "nothing enabled" : parts.joined(separator: ", "))
        case .slack(let settings):
            switch settings.delivery {
            case .webhook: return "Slack incoming webhook: a message per final state change (webhook messages cannot be edited)"
            case .bot(_, let channel): return "Slack bot in \(channel): one message, updated as results change"
            }
        case .teams(let settings):
            return "Microsoft Teams Workflows webhook (\(settings.payload.rawValue) payload): a card per final state change"
        case .discord:
            return "Discord webhook: one message, edited as results change"
        }
    }
}
