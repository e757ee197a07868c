/// One rule of the routing file: which builds it wants, which artifact it takes from them, and
/// where that artifact goes.
package struct RoutingRule: Sendable, Equatable {
    package var name: String
    package var line: Int
    /// Repository patterns (`acme/app`, `acme/*`); empty means any repository.
    package var repositories: GlobFilter
    /// Branch patterns with `!` exclusions; empty means any branch.
    package var branches: GlobFilter
    /// Tag patterns, used for `tag` builds; empty means any tag.
    package var tags: GlobFilter
    package var triggers: Set<BuildEvent.Trigger>
    package var conclusions: Set<BuildEvent.Conclusion>
    package var artifact: ArtifactSelector
    package var stores: [String]
    package var notify: [String]
    /// True when `notify:` was left out and the rule reports to every declared notification.
    package var notifyIsDefault: Bool
    /// Stores this rule delivers to with options of its own (`stores: [{applivery-qa: {tags: [nightly]}}]`).
    package var storeOverrides: [String: StoreOverride] = [:]
}

/// A store as one rule uses it: the store's settings with the rule's options laid over them.
package struct StoreOverride: Sendable, Equatable {
    /// The store, its options merged (same name, so results and reports name the store as declared).
    package var definition: StoreDefinition
    /// The options the rule set, as written (for `explain`).
    package var options: [(key: String, value: String)]

    package static func == (a: StoreOverride, b: StoreOverride) -> Bool {
        a.definition == b.definition && a.options.map(\.key) == b.options.map(\.key)
            && a.options.map(\.value) == b.options.map(\.value)
    }
}

/// Which file of a build's artifacts a rule delivers.
package struct ArtifactSelector: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Matched against `<artifact name>/<path inside it>` (GitHub) or the file name (a direct URL).
    package var pattern: Glob
    package var kind: ArtifactKind?

    package init(pattern: Glob, kind: ArtifactKind?) {
        self.pattern = pattern
        self.kind = kind
    }

    package func accepts(name: String) -> Bool {
        guard let fileKind = ArtifactKind(fileName: name) else { return false }
        if let kind, kind != fileKind { return false }
        return pattern.matches(name)
    }

    package var description: String {
        if let kind { return "\(pattern.pattern) (\(kind.rawValue))" }
        return pattern.pattern
    }

    package static func defaultPattern(for kind: ArtifactKind?) -> String {
        switch kind {
        case .apk: "**/*.apk"
        case .aab: "**/*.aab"
        case nil: "**/*.{apk,aab}"
        }
    }
}
