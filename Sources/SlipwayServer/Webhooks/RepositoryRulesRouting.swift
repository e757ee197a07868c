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
        let rules = file.map { ConfigLoader.parseRepositoryRules(yaml: $0.text, file: shown, policy: policy, config: config) }
        let combined = rules.map { config.adding($0) } ?? config
        var plan = combined.plan(for: event.matchInput)
        if event.pullRequest != nil, let base = event.baseBranch {
            plan.rulesChange = await change(
                against: base, head: file, headRules: rules, event: event, policy: policy, config: config, shown: shown,
                logger: logger)
        }
        // Nothing matched, so no rule chose whom to tell: every declared notification hears of the news.
        let hasNews = plan.rulesChange != nil || !(rules?.problems.isEmpty ?? true)
        if plan.matchedRules.isEmpty && hasNews { plan.notifications = config.notifications.map(\.name) }
        guard let rules else { return (config, plan) }
        if !rules.problems.isEmpty {
            plan.rulesProblems = rules.problems.map(\.description)
            logger.warning(
                "the repository's rules file has problems; the rules concerned are refused",
                metadata: ["file": "\(shown)", "problems": "\(plan.rulesProblems ?? [])"])
        }
        return (combined, plan)
    }

    /// For a pull request's build: what its rules file changes against the base branch's, or nil
    /// when the two are the same blob (or the base cannot be read: the build is routed regardless).
    private func change(
        against base: String, head: RepositoryFile?, headRules: RepositoryRules?, event: BuildEvent,
        policy: RepositoryRulesPolicy, config: SlipwayConfig, shown: String, logger: Logger
    ) async -> RulesChange? {
        let baseFile: RepositoryFile?
        do throws(ArtifactFetchError) {
            baseFile = try await fetcher.repositoryFile(
                policy.path, repository: event.repository, sha: base, provider: event.provider, cache: cache)
        } catch {
            logger.warning(
                "the base branch's rules file could not be read; the pull request gets no before/after comment this time",
                metadata: ["base": "\(base)", "error": "\(error)"])
            return nil
        }
        guard baseFile?.blobID != head?.blobID else { return nil }
        let baseRules = baseFile.map {
            ConfigLoader.parseRepositoryRules(yaml: $0.text, file: "\(event.repository)@\(base):\(policy.path)", policy: policy, config: config)
        }
        return RulesChange.compare(
            repository: event.repository, server: config, before: baseRules, after: headRules, file: shown, baseBranch: base)
    }
}
