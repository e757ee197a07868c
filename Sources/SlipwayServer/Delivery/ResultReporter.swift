import Crypto
import Foundation
package import Logging
package import SlipwayCore
package import SlipwayQueue
package import SlipwayReport
import SlipwayHTTP
import Tracing

/// Reports a delivery's store results to the notification targets its plan names: one GitHub
/// commit status per store (posted only when its state changes) and one sticky PR comment per
/// build, edited in place as results change.
///
/// Reporting failures are logged and never fail the delivery: the uploads happened, and the next
/// state change reports again.
package struct ResultReporter: Sendable {
    package let config: SlipwayConfig
    package let jobStore: any JobStore
    package let gitHub: GitHubReporter?
    /// Notifiers of the other notification types, by notification name.
    package let notifiers: [String: any Notifier]
    package let templates: TemplateRenderer?
    /// Base of dashboard links (`server.public_url`), when known.
    package let publicURL: String?
    /// One pull request's comment is edited by one report at a time; shared by the reporters of
    /// successive config generations (`RuntimeGeneration`).
    let commentLocks: KeyedSerializer

    package init(
        config: SlipwayConfig, jobStore: any JobStore, gitHub: GitHubReporter?, templates: TemplateRenderer?,
        publicURL: String?, notifiers: [String: any Notifier] = [:], commentLocks: KeyedSerializer = KeyedSerializer()
    ) {
        self.commentLocks = commentLocks
        self.notifiers = notifiers
        self.config = config
        self.jobStore = jobStore
        self.gitHub = gitHub
        self.templates = templates
        self.publicURL = publicURL
    }

    package func dashboardURL(deliveryID: String) -> String? {
        publicURL.map { "\($0)/deliveries/\(deliveryID)" }
    }

    /// - Parameter source: the delivery's source; a reconciled one says so in every report.
    package func report(
        deliveryID: String, source: String, event: BuildEvent, plan: DeliveryPlan, results: [StoreResult], logger: Logger
    ) async {
        let intakeNote = IntakeSource.note(for: source)
        for name in plan.notifications {
            await Traced.span("notify \(name)") { (span) async -> Void in
                span.attributes["slipway.notification"] = name
                await notify(
                    name, deliveryID: deliveryID, event: event, plan: plan, results: results, intakeNote: intakeNote,
                    logger: logger)
            }
        }
    }

    private func notify(
        _ name: String, deliveryID: String, event: BuildEvent, plan: DeliveryPlan, results: [StoreResult],
        intakeNote: String?, logger: Logger
    ) async {
        if let notifier = notifiers[name] {
            var report = BuildReport(
                deliveryID: deliveryID, event: event, matchedRules: plan.matchedRules, results: results,
                dashboardURL: dashboardURL(deliveryID: deliveryID), intakeNote: intakeNote,
                rulesProblems: plan.rulesProblems ?? [])
            report.rulesChange = plan.rulesChange
            do {
                try await notifier.publish(
                    report, event: event, references: DeliveryReferences(jobStore: jobStore, deliveryID: deliveryID, prefix: name),
                    logger: logger)
            } catch {
                logger.warning("could not notify", metadata: ["notification": "\(name)", "error": "\(error)"])
            }
            return
        }
        guard let definition = config.notification(named: name) else { return }
        if case .github(let settings) = definition.settings {
            await reportToGitHub(
                settings, deliveryID: deliveryID, event: event, plan: plan, results: results, intakeNote: intakeNote,
                logger: logger)
        }
    }

    private func reportToGitHub(
        _ settings: GitHubNotificationSettings, deliveryID: String, event: BuildEvent, plan: DeliveryPlan,
        results: [StoreResult], intakeNote: String?, logger: Logger
    ) async {
        guard let gitHub else {
            logger.warning("GitHub reporting is configured but sources.github has no token")
            return
        }
        let target = dashboardURL(deliveryID: deliveryID) ?? event.buildURL
        // One report and one rendering of the comment serve the check run, the statuses and the comment.
        let report = BuildReport(
            deliveryID: deliveryID, event: event, matchedRules: plan.matchedRules, results: results,
            dashboardURL: dashboardURL(deliveryID: deliveryID), intakeNote: intakeNote,
            rulesProblems: plan.rulesProblems ?? [])
        let wantsComment = settings.pullRequestComment && event.pullRequest != nil
        let body: String?
        do {
            body = wantsComment || gitHub.canWriteCheckRuns ? try templates?.render(settings.commentTemplate, report) : nil
        } catch {
            logger.warning("could not render the GitHub PR comment", metadata: ["error": "\(error)"])
            body = nil
        }
        if gitHub.canWriteCheckRuns {
            await reportCheckRun(
                gitHub, settings, deliveryID: deliveryID, event: event, report: report, summary: body ?? report.headline,
                results: results, logger: logger)
        }
        if settings.commitStatus {
            for (index, result) in results.enumerated() {
                let key = "github-status:\(result.store)"
                let state = Self.commitState(result.state)
                let description = statusLine(report.stores[index], fallback: result)
                let fingerprint = "\(state)|\(description)"
                do {
                    if try await jobStore.reportReference(deliveryID: deliveryID, key: key) == fingerprint { continue }
                    try await gitHub.postStatus(
                        repository: event.repository, sha: event.sha, context: "\(settings.statusContext)/\(result.store)",
                        state: state, description: description, targetURL: target)
                    try await jobStore.saveReportReference(deliveryID: deliveryID, key: key, value: fingerprint)
                } catch {
                    logger.warning("could not post GitHub commit status", metadata: ["store": "\(result.store)", "error": "\(error)"])
                }
            }
            if let description = RulesChangeComment.statusDescription(
                plan.rulesProblems ?? [], limit: GitHubReporter.statusDescriptionLimit)
            {
                await postRulesStatus(
                    gitHub, context: "\(settings.statusContext)/rules", description: description, deliveryID: deliveryID,
                    event: event, target: target, logger: logger)
            }
        }
        if let change = plan.rulesChange, let number = event.pullRequest, settings.pullRequestComment {
            await postRulesChange(gitHub, change, number: number, deliveryID: deliveryID, event: event, logger: logger)
        }
        if let change = plan.rulesChange, gitHub.canWriteCheckRuns {
            await postRulesCheckRun(gitHub, change, context: "\(settings.statusContext)/rules", deliveryID: deliveryID, event: event, logger: logger)
        }
        if settings.pullRequestComment, let number = event.pullRequest, let body {
            let build = PullRequestHistory.build(of: report, key: event.buildKey)
            let repository = event.repository
            let store = jobStore
            await commentLocks.run("\(repository)#\(number)") {
                // Other replicas may report builds of this PR too: take the PR's lease in the job store.
                let lease = "pr-comment:\(repository)#\(number)"
                let holder = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
                var leased = false
                for _ in 0..<300 {
                    let now = Date()
                    if (try? await store.tryLease(lease, holder: holder, until: now.addingTimeInterval(30), now: now)) == true {
                        leased = true
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(100))
                }
                if !leased { logger.notice("another replica held the PR comment for 30 s; editing it anyway", metadata: ["pr": "\(number)"]) }
                do {
                    // One comment per pull request: this build on top, the ones before it below.
                    _ = try await gitHub.upsertPullRequestComment(
                        repository: repository, issueNumber: number,
                        marker: PullRequestHistory.marker(repository: repository, number: number)
                    ) { existing in
                        PullRequestHistory.read(from: existing).reporting(build)
                            .comment(body: body, limit: GitHubReporter.commentBodyLimit - 200)
                    }
                } catch {
                    logger.warning("could not post the GitHub PR comment", metadata: ["pr": "\(number)", "error": "\(error)"])
                }
                if leased { try? await store.releaseLease(lease, holder: holder) }
            }
        }
    }

    /// The pull request's one comment about its rules file change, edited by each build.
    private func postRulesChange(
        _ gitHub: GitHubReporter, _ change: RulesChange, number: Int, deliveryID: String, event: BuildEvent, logger: Logger
    ) async {
        let body = RulesChangeComment.body(change)
        let fingerprint = SHA256.hash(data: Data(body.utf8)).map { String(format: "%02x", $0) }.joined()
        let repository = event.repository
        await commentLocks.run("rules:\(repository)#\(number)") {
            do {
                if try await jobStore.reportReference(deliveryID: deliveryID, key: "github-rules-change") == fingerprint { return }
                _ = try await gitHub.upsertPullRequestComment(
                    repository: repository, issueNumber: number,
                    marker: RulesChangeComment.marker(repository: repository, number: number)
                ) { _ in body }
                try await jobStore.saveReportReference(deliveryID: deliveryID, key: "github-rules-change", value: fingerprint)
            } catch {
                logger.warning("could not post the rules change comment", metadata: ["pr": "\(number)", "error": "\(error)"])
            }
        }
    }

    /// With a GitHub App, a check run of its own for the rules file change: failure while the new
    /// file has problems (so branch protection can hold the merge), neutral when it changes
    /// routing, success when it does not.
    private func postRulesCheckRun(
        _ gitHub: GitHubReporter, _ change: RulesChange, context: String, deliveryID: String, event: BuildEvent, logger: Logger
    ) async {
        let conclusion = !change.problems.isEmpty ? "failure" : change.changedRows.isEmpty ? "success" : "neutral"
        let title = !change.problems.isEmpty
            ? "\(change.problems.count) problem(s) in the rules file"
            : change.changedRows.isEmpty ? "The rules file change does not change routing" : "\(change.changedRows.count) routing change(s)"
        do {
            if try await jobStore.reportReference(deliveryID: deliveryID, key: "github-rules-check-run") != nil { return }
            let id = try await gitHub.upsertCheckRun(
                repository: event.repository, sha: event.sha, name: context, knownID: nil, state: .completed(conclusion: conclusion),
                title: title, summary: RulesChangeComment.body(change), detailsURL: dashboardURL(deliveryID: deliveryID),
                externalID: "\(deliveryID):rules", offersRedelivery: false)
            try await jobStore.saveReportReference(deliveryID: deliveryID, key: "github-rules-check-run", value: String(id))
        } catch {
            logger.warning("could not post the rules file's check run", metadata: ["error": "\(error)"])
        }
    }

    /// A status of its own for a repository rules file with problems: `error`, the first problem
    /// (GitHub keeps 140 characters), so the commit says the file is wrong even when no store ran.
    private func postRulesStatus(
        _ gitHub: GitHubReporter, context: String, description: String, deliveryID: String, event: BuildEvent,
        target: String?, logger: Logger
    ) async {
        do {
            if try await jobStore.reportReference(deliveryID: deliveryID, key: "github-status:rules") == description { return }
            try await gitHub.postStatus(
                repository: event.repository, sha: event.sha, context: context, state: .error, description: description,
                targetURL: target)
            try await jobStore.saveReportReference(deliveryID: deliveryID, key: "github-status:rules", value: description)
        } catch {
            logger.warning("could not post the rules file's GitHub commit status", metadata: ["error": "\(error)"])
        }
    }

    /// With a GitHub App, one check run `slipway` per delivery on its head commit: queued, then in
    /// progress while stores run or wait, then completed — its summary the PR comment's report.
    private func reportCheckRun(
        _ gitHub: GitHubReporter, _ settings: GitHubNotificationSettings, deliveryID: String, event: BuildEvent,
        report: BuildReport, summary: String, results: [StoreResult], logger: Logger
    ) async {
        let state = Self.checkRunState(results)
        let fingerprint = "\(state)|" + SHA256.hash(data: Data(summary.utf8)).map { String(format: "%02x", $0) }.joined()
        do {
            if try await jobStore.reportReference(deliveryID: deliveryID, key: "github-check-run-state") == fingerprint { return }
            let known = try await jobStore.reportReference(deliveryID: deliveryID, key: "github-check-run").flatMap(Int.init)
            let id = try await gitHub.upsertCheckRun(
                repository: event.repository, sha: event.sha, name: settings.statusContext, knownID: known, state: state,
                title: report.headline, summary: summary, detailsURL: dashboardURL(deliveryID: deliveryID), externalID: deliveryID)
            if id != known { try await jobStore.saveReportReference(deliveryID: deliveryID, key: "github-check-run", value: String(id)) }
            try await jobStore.saveReportReference(deliveryID: deliveryID, key: "github-check-run-state", value: fingerprint)
        } catch {
            logger.warning("could not post the GitHub check run", metadata: ["error": "\(error)"])
        }
    }

    /// Queued until a store starts, in progress while any runs or waits, then completed: failure
    /// if a store failed, success if all succeeded, neutral when there was nothing to deliver.
    static func checkRunState(_ results: [StoreResult]) -> GitHubReporter.CheckRunState {
        if results.isEmpty { return .completed(conclusion: "neutral") }
        if results.allSatisfy({ $0.state == .pending }) { return .queued }
        if results.contains(where: { [.pending, .running, .waiting].contains($0.state) }) { return .inProgress }
        return .completed(conclusion: results.contains { $0.state == .failed } ? "failure" : "success")
    }

    /// The status line from `templates/github-status-description.mustache` when the folder has it.
    private func statusLine(_ store: BuildReport.Store, fallback result: StoreResult) -> String {
        if let templates, templates.has(Self.statusTemplate), let line = try? templates.renderLine(Self.statusTemplate, store),
            !line.isEmpty
        {
            return line
        }
        return Self.statusDescription(result) + (store.intakeNote.map { " · \($0)" } ?? "")
    }

    static let statusTemplate = "github-status-description"

    static func commitState(_ state: StoreResult.State) -> CommitState {
        switch state {
        case .pending, .running, .waiting: .pending
        case .succeeded: .success
        case .failed: .failure
        }
    }

    static func statusDescription(_ result: StoreResult) -> String {
        if let failure = result.failure, result.state == .failed {
            return "\(failure.step) failed: \(failure.message)"
        }
        return "\(result.storeType.displayName): \(result.summary)"
    }
}

/// A delivery's report references in the job store, namespaced per notification.
struct DeliveryReferences: ReportReferences {
    let jobStore: any JobStore
    let deliveryID: String
    let prefix: String

    func value(for key: String) async throws -> String? {
        try await jobStore.reportReference(deliveryID: deliveryID, key: "\(prefix):\(key)")
    }

    func set(_ value: String, for key: String) async throws {
        try await jobStore.saveReportReference(deliveryID: deliveryID, key: "\(prefix):\(key)", value: value)
    }
}
