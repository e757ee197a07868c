import Yams

/// `repo_rules:` in the server's config, and the rules files repositories carry under it.
///
/// A repository file is read by the same rule reader as the server's rules, so every check and
/// message is the same; what differs is what the file may hold (`version` and `rules`), that a rule
/// may name only the stores its policy allows, and that a problem refuses only the rule it is in
/// (a file that cannot be read at all refuses every rule). The server's own rules always apply.
extension ConfigLoader {
    static func readRepositoryRulesPolicies(
        _ node: Node, declaredStores: Set<String>, reader: inout YAMLNodeReader
    ) -> [RepositoryRulesPolicy] {
        guard case .sequence(let items) = node else {
            reader.error(node, "repo_rules must be a list; start each entry with \"- repos: [\\\"acme/*\\\"]\"")
            return []
        }
        var policies: [RepositoryRulesPolicy] = []
        for (index, item) in items.enumerated() {
            let what = "repo_rules entry #\(index + 1)"
            guard let fields = reader.entries(item, in: what, allowed: ConfigKeys.repositoryRulesPolicy) else { continue }
            guard let reposNode = fields["repos"]?.value else {
                reader.error(item, "\(what) has no \"repos:\"; name the repositories it covers, like repos: [\"acme/*\"]")
                continue
            }
            guard let repositories = reader.globFilter(reposNode, "\(what) repos") else { continue }
            var policy = RepositoryRulesPolicy(repositories: repositories, line: item.mark?.line ?? 1)
            if let n = fields["path"]?.value, let path = reader.string(n, "\(what) path") {
                if path.hasPrefix("/") || path.split(separator: "/").contains("..") {
                    reader.error(n, "\(what) path must be relative to the repository's root, like .slipway.yml, not \"\(path)\"")
                } else {
                    policy.path = path
                }
            }
            if let n = fields["allow"]?.value, let values = reader.stringList(n, "\(what) allow") {
                policy.allow = []
                for (value, valueNode) in values {
                    guard RepositoryRulesPolicy.grants.contains(value) else {
                        reader.error(
                            valueNode,
                            "\(what) allow names \"\(value)\"; a repository file may only be allowed "
                                + RepositoryRulesPolicy.grants.joined(separator: ", ")
                                + " (stores, sources and credentials stay in the server's config)")
                        continue
                    }
                    policy.allow.insert(value)
                }
            }
            if let n = fields["stores"]?.value, let values = reader.stringList(n, "\(what) stores") {
                for (value, valueNode) in values {
                    guard declaredStores.contains(value) else {
                        reader.error(valueNode, "\(what) allows store \"\(value)\", which is not declared under \"stores:\"")
                        continue
                    }
                    if !policy.stores.contains(value) { policy.stores.append(value) }
                }
            }
            policies.append(policy)
        }
        return policies
    }

    /// Reads a repository's rules file against the server's `config` and the `policy` covering the
    /// repository. Never throws: what is wrong is in `problems`, and the rules without a problem
    /// are kept.
    package static func parseRepositoryRules(
        yaml: String, file: String, policy: RepositoryRulesPolicy, config: SlipwayConfig
    ) -> RepositoryRules {
        func refused(_ problems: [ConfigDiagnostic]) -> RepositoryRules {
            RepositoryRules(file: file, rules: [], problems: problems)
        }
        guard policy.allow.contains("rules") else {
            return refused([
                ConfigDiagnostic(
                    file: file, line: 1,
                    message: "the server's repo_rules entry (\(config.file):\(policy.line)) does not allow rules; ask the Slipway operator to add allow: [rules]")
            ])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                return refused([ConfigDiagnostic(file: file, line: 1, message: "the file is empty; write version: 1 and rules:")])
            }
            root = composed
        } catch let error as YamlError {
            return refused([yamlSyntaxDiagnostic(error, file: file)])
        } catch {
            return refused([ConfigDiagnostic(file: file, line: 1, message: "not valid YAML: \(error)")])
        }
        var reader = YAMLNodeReader(file: file)
        let what = "a repository's rules file"
        guard let top = reader.entries(root, in: what, allowed: ConfigKeys.repositoryFile) else {
            return refused(reader.diagnostics)
        }
        if let version = top["version"] { _ = reader.int(version.value, "version", range: 1...1) }
        guard let rulesNode = top["rules"]?.value else {
            reader.error(root, "\(what) has no \"rules:\"")
            return refused(reader.diagnostics)
        }
        // A problem outside every rule (a key the file may not hold) refuses the whole file.
        let wholeFile = !reader.diagnostics.isEmpty
        checkRepositoryOnlyFields(rulesNode, reader: &reader)
        let declared = Set(config.stores.map(\.name))
        let allowed = Set(policy.stores)
        var rules = readRules(
            rulesNode, stores: config.stores.filter { allowed.contains($0.name) }, declaredStores: declared,
            notifications: config.notifications, policyStores: allowed, reader: &reader)
        for rule in rules where config.rules.contains(where: { $0.name == rule.name }) {
            reader.error(line: rule.line, "rule \"\(rule.name)\" has the name of a rule in the server's config; rename it")
        }
        let problems = reader.diagnostics.sorted { $0.line < $1.line }
        if wholeFile { return refused(problems) }
        let spans = ruleLineSpans(rulesNode)
        rules.removeAll { rule in
            guard let span = spans.first(where: { $0.contains(rule.line) }) else { return true }
            return problems.contains { span.contains($0.line) }
        }
        return RepositoryRules(file: file, rules: rules, problems: problems)
    }

    /// What a repository file's rules may not say: another repository, or per-rule store options
    /// (the uploaders for those are built from the server's config).
    private static func checkRepositoryOnlyFields(_ rulesNode: Node, reader: inout YAMLNodeReader) {
        guard case .sequence(let items) = rulesNode else { return }
        for item in items {
            guard case .mapping(let fields) = item else { continue }
            for (key, value) in fields {
                switch key.scalar?.string {
                case "repo", "repos":
                    reader.error(key, "a repository's rules apply to its own builds only; remove \"\(key.scalar?.string ?? "repo")\"")
                case "stores":
                    guard case .sequence(let entries) = value else { continue }
                    for entry in entries {
                        if case .mapping = entry {
                            reader.error(
                                entry,
                                "store options in a rule are not allowed in a repository's rules file; name the store alone, and declare a store with these options in the server's config")
                        }
                    }
                default: continue
                }
            }
        }
    }

    /// The lines each rule of a `rules:` list spans, from its first line to the line before the next.
    private static func ruleLineSpans(_ rulesNode: Node) -> [ClosedRange<Int>] {
        guard case .sequence(let items) = rulesNode else { return [] }
        let starts = items.map { $0.mark?.line ?? 1 }
        return starts.enumerated().map { index, start in
            start...(index + 1 < starts.count ? max(start, starts[index + 1] - 1) : Int.max)
        }
    }
}
