import Logging
import SlipwayCore
import SlipwayIntake

/// A build's plan from the server's rules and, where `repo_rules` covers its repository, the rules
/// file the repository carries at the build's commit (issue 15).
///
/// The file is read at the commit (immutable), so the plan does not depend on when the webhook
/// arrives; it is stored with the delivery as every plan is. What is wrong in the file travels in
/// `plan.rulesProblems` and is reported with the results; a build whose only news is a broken
/// rules file still gets a delivery (with no uploads), so the commit says so.
struct RepositoryRulesRouting: Sendable {
    let fetcher: ArtifactFetcher
    let cache: RepositoryFileCache

    /// The repository file could not be read (the host failed or refused): the build is not
    /// accepted, so the CI, or reconciliation, can send it again.
    struct Unavailable: Error, CustomStringConvertible {
        var file: String
        var reason: String
        var description: String {
            "could not read \(file): \(reason); the build was not accepted (send it again, or let reconciliation pick it up)"
        }
    }

    /// The config the build is routed by (the server's, plus the repository's accepted rules) and its plan.
    func route(_ event: BuildEvent, config: SlipwayConfig, logger: Logger) async throws(Unavailable)
        -> (config: SlipwayConfig, plan: DeliveryPlan)
    {
        guard let policy = config.repositoryRulesPolicy(for: event.repository) else {
            return (config, config.plan(for: event.matchInput))
        }
        guard !event.sha.isEmpty else {
            logger.info("the webhook names no commit, so the repository's rules file is not read", metadata: ["path": "\(policy.path)"])
            return (config, config.plan(for: event.matchInput))
        }
        let shown = "\(event.repository)@\(event.sha.prefix(7)):\(policy.path)"
        let file: RepositoryFile?
        do throws(ArtifactFetchError) {
            file = try await fetcher.repositoryFile(
                policy.path, repository: event.repository, sha: event.sha, provider: event.provider, cache: cache)
        } catch {
            throw Unavailable(file: shown, reason: error.description)
        }
        guard let file else { return (config, config.plan(for: event.matchInput)) }
        let rules = ConfigLoader.parseRepositoryRules(yaml: file.text, file: shown, policy: policy, config: config)
        let combined = config.adding(rules)
        var plan = combined.plan(for: event.matchInput)
        if !rules.problems.isEmpty {
            plan.rulesProblems = rules.problems.map(\.description)
            // Nothing matched, so no rule chose whom to tell: every declared notification hears of it.
            if plan.matchedRules.isEmpty { plan.notifications = config.notifications.map(\.name) }
            logger.warning(
                "the repository's rules file has problems; the rules concerned are refused",
                metadata: ["file": "\(shown)", "problems": "\(plan.rulesProblems ?? [])"])
        }
        return (combined, plan)
    }
}
