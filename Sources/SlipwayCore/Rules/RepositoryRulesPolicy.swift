/// `repo_rules:` in the server's config: which repositories may carry a rules file of their own,
/// where it lives, and what it may name (Atlantis-style). Stores, sources and credentials stay in
/// the server's config; a repository file may only add rules that use the stores listed here.
package struct RepositoryRulesPolicy: Sendable, Equatable {
    /// Repositories the entry covers (`acme/*`); the first entry that matches a build's repository applies.
    package var repositories: GlobFilter
    /// The file's path in the repository.
    package var path: String = RepositoryRulesPolicy.defaultPath
    /// What the file may contain. Only `rules` exists today; the key makes the grant explicit.
    package var allow: Set<String> = ["rules"]
    /// Stores the file's rules may name (none unless listed).
    package var stores: [String] = []
    package var line: Int

    package static let defaultPath = ".slipway.yml"
    /// The kinds of content a repository file may be allowed (`allow:`).
    package static let grants = ["rules"]

    package init(repositories: GlobFilter, line: Int) {
        self.repositories = repositories
        self.line = line
    }
}

/// A repository's rules file as read for one build: the rules Slipway accepted from it and what
/// was wrong with the others (each problem with the file's line; a rule with a problem is refused
/// whole, and the server's own rules apply regardless).
package struct RepositoryRules: Sendable, Equatable {
    /// How the file is named in messages: `acme/app@3484a3f:.slipway.yml`, or the local path.
    package var file: String
    package var rules: [RoutingRule]
    package var problems: [ConfigDiagnostic]

    package init(file: String, rules: [RoutingRule], problems: [ConfigDiagnostic]) {
        self.file = file
        self.rules = rules
        self.problems = problems
    }
}

extension SlipwayConfig {
    /// The `repo_rules` entry that applies to `repository`, if any.
    package func repositoryRulesPolicy(for repository: String) -> RepositoryRulesPolicy? {
        repositoryRules.first { $0.repositories.accepts(repository) }
    }

    /// This config with a repository's accepted rules after its own (server rules keep precedence:
    /// a store both name is delivered once, the server rule's way).
    package func adding(_ repository: RepositoryRules) -> SlipwayConfig {
        var combined = self
        combined.rules += repository.rules
        return combined
    }
}
