/// What Slipway will do for one build: which artifact goes to which store, and where results are
/// reported. Made by the router from the rules, stored with the job, and carried out by the worker.
package struct DeliveryPlan: Codable, Sendable, Equatable {
    package var matchedRules: [String]
    package var uploads: [PlannedUpload]
    package var notifications: [String]

    package init(matchedRules: [String], uploads: [PlannedUpload], notifications: [String]) {
        self.matchedRules = matchedRules
        self.uploads = uploads
        self.notifications = notifications
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

    package init(store: String, artifact: ArtifactSelector, rule: String) {
        self.store = store
        self.artifact = artifact
        self.rule = rule
    }
}

extension SlipwayConfig {
    /// Evaluates every rule against a build, in file order.
    package func evaluate(_ input: MatchInput) -> [RuleEvaluation] {
        rules.map { $0.evaluate(input) }
    }

    /// The plan for a build: the union of what every matching rule asks for. A store named by two
    /// matching rules is delivered once, with the first rule's artifact choice.
    package func plan(for input: MatchInput) -> DeliveryPlan {
        var uploads: [PlannedUpload] = []
        var notifications: [String] = []
        var matched: [String] = []
        for evaluation in evaluate(input) where evaluation.matched {
            let rule = evaluation.rule
            matched.append(rule.name)
            for store in rule.stores where !uploads.contains(where: { $0.store == store }) {
                uploads.append(PlannedUpload(store: store, artifact: rule.artifact, rule: rule.name))
            }
            for name in rule.notify where !notifications.contains(name) {
                notifications.append(name)
            }
        }
        return DeliveryPlan(matchedRules: matched, uploads: uploads, notifications: notifications)
    }
}
