/// What Slipway will do for one build: which artifact goes to which store, and where results are
/// reported. Made by the router from the rules, stored with the job, and carried out by the worker.
package struct DeliveryPlan: Codable, Sendable, Hashable {
    package var matchedRules: [String]
    package var uploads: [PlannedUpload]
    package var notifications: [String]
    /// What was wrong in the repository's own rules file when the plan was made (`FILE:LINE:
    /// message`); reported with the results. Nil in plans of builds without one.
    package var rulesProblems: [String]?
    /// Set for a pull request's build whose rules file differs from its base branch's: what the
    /// change does, for the PR comment that says so.
    package var rulesChange: RulesChange?

    package init(matchedRules: [String], uploads: [PlannedUpload], notifications: [String], rulesProblems: [String]? = nil) {
        self.matchedRules = matchedRules
        self.uploads = uploads
        self.notifications = notifications
        self.rulesProblems = rulesProblems
    }

    package var isEmpty: Bool { uploads.isEmpty }

    /// The distinct artifact selectors; each is downloaded once and serves all its stores.
    package var selectors: [ArtifactSelector] {
        var seen: [ArtifactSelector] = []
        for upload in uploads where !seen.contains(upload.artifact) { seen.append(upload.artifact) }
        return seen
    }
}

/// One store upload: the store (by name), which artifact it takes, and which rule asked for it.
package struct PlannedUpload: Codable, Sendable, Equatable, Hashable {
    package var store: String
    package var artifact: ArtifactSelector
    package var rule: String
    /// Set when `rule` gives the store options of its own: the upload then runs with them.
    /// (Absent in plans stored before per-rule options existed: those decode as nil.)
    package var variant: String?

    package init(store: String, artifact: ArtifactSelector, rule: String, variant: String? = nil) {
        self.store = store
        self.artifact = artifact
        self.rule = rule
        self.variant = variant
    }

    /// Which uploader runs it: the store's own, or the one built with the rule's options.
    package var uploaderKey: String {
        variant.map { SlipwayConfig.variantKey(store: store, rule: $0) } ?? store
    }
}

extension SlipwayConfig {
    /// Evaluates every rule against a build, in file order.
    package func evaluate(_ input: MatchInput) -> [RuleEvaluation] {
        rules.map { $0.evaluate(input) }
    }

    /// The key of the uploader built for `store` with `rule`'s options.
    package static func variantKey(store: String, rule: String) -> String {
        "\(store)@\(rule)"
    }

    /// Every store as some rule sets options for it, keyed like `PlannedUpload.uploaderKey`.
    package var storeVariants: [(key: String, definition: StoreDefinition)] {
        rules.flatMap { rule in
            rule.storeOverrides.sorted { $0.key < $1.key }.map { (Self.variantKey(store: $0.key, rule: rule.name), $0.value.definition) }
        }
    }

    /// The plan for a build: the union of what every matching rule asks for. A store named by two
    /// matching rules is delivered once, with the first rule's artifact choice and options.
    package func plan(for input: MatchInput) -> DeliveryPlan {
        var uploads: [PlannedUpload] = []
        var notifications: [String] = []
        var matched: [String] = []
        for evaluation in evaluate(input) where evaluation.matched {
            let rule = evaluation.rule
            matched.append(rule.name)
            for store in rule.stores where !uploads.contains(where: { $0.store == store }) {
                uploads.append(
                    PlannedUpload(
                        store: store, artifact: rule.artifact, rule: rule.name,
                        variant: rule.storeOverrides[store] == nil ? nil : rule.name))
            }
            for name in rule.notify where !notifications.contains(name) {
                notifications.append(name)
            }
        }
        return DeliveryPlan(matchedRules: matched, uploads: uploads, notifications: notifications)
    }
}
