import Foundation
package import Logging
package import SlipwayCore

/// Reports a build to GitLab: a commit status per store (`<status_name>/<store>`, posted only when
/// its state or text changes) and one note on the build's merge request, edited in place.
package struct GitLabNotifier: Notifier {
    package let name: String
    package let settings: GitLabNotificationSettings
    package let api: GitLabAPI
    package let templates: TemplateRenderer

    package init(name: String, settings: GitLabNotificationSettings, api: GitLabAPI, templates: TemplateRenderer) {
        self.name = name
        self.settings = settings
        self.api = api
        self.templates = templates
    }

    /// The hidden marker of the merge request's one note.
    package static func marker(for event: BuildEvent, project: String) -> String {
        PullRequestHistory.marker(project: project, mergeRequest: event.pullRequest ?? 0)
    }

    /// GitLab's note limit is 1,000,000 characters; leave room for the marker.
    static let noteLimit = 999_000

    /// GitLab's state for a store result. `waiting` (store review) shows as running: the build is
    /// not done, and GitLab has no "waiting" state.
    package static func state(_ key: String) -> String {
        switch key {
        case "pending": "pending"
        case "succeeded": "success"
        case "failed": "failed"
        default: "running"
        }
    }

    package func publish(_ report: BuildReport, event: BuildEvent, references: any ReportReferences, logger: Logger) async throws {
        let project = settings.project ?? event.repository
        var firstError: (any Error)?
        if settings.commitStatus {
            for store in report.stores {
                let key = "gitlab-status:\(store.name)"
                let state = Self.state(store.stateKey)
                let description =
                    store.failure.map { "\($0.step) failed: \($0.message)" } ?? "\(store.type): \(store.summary)"
                let fingerprint = "\(state)|\(description)"
                do {
                    if try await references.value(for: key) == fingerprint { continue }
                    try await api.postStatus(
                        project: project, sha: event.sha, state: state, name: "\(settings.statusName)/\(store.name)",
                        description: description, targetURL: report.dashboardURL ?? report.buildURL,
                        ref: event.branch ?? event.tag)
                    try await references.set(fingerprint, for: key)
                } catch {
                    logger.warning("could not post GitLab commit status", metadata: ["store": "\(store.name)", "error": "\(error)"])
                    firstError = firstError ?? error
                }
            }
        }
        if settings.commitStatus,
            let description = RulesChangeComment.statusDescription(report.rulesProblems, limit: GitLabAPI.statusFieldLimit)
        {
            do {
                if try await references.value(for: "gitlab-status:rules") != description {
                    try await api.postStatus(
                        project: project, sha: event.sha, state: "failed", name: "\(settings.statusName)/rules",
                        description: description, targetURL: report.dashboardURL ?? report.buildURL, ref: event.branch ?? event.tag)
                    try await references.set(description, for: "gitlab-status:rules")
                }
            } catch {
                logger.warning("could not post the rules file's GitLab commit status", metadata: ["error": "\(error)"])
                firstError = firstError ?? error
            }
        }
        if settings.mergeRequestNote, let mergeRequest = event.pullRequest, let change = report.rulesChange {
            // The merge request's one note about its rules file change, edited by each build.
            let body = RulesChangeComment.body(change)
            if try await references.value(for: "gitlab-rules-change") != body {
                _ = try await api.upsertMergeRequestNote(
                    project: project, mergeRequest: mergeRequest,
                    marker: RulesChangeComment.marker(project: project, mergeRequest: mergeRequest)
                ) { _ in body }
                try await references.set(body, for: "gitlab-rules-change")
            }
        }
        if settings.mergeRequestNote, let mergeRequest = event.pullRequest {
            let body: String
            do {
                body = try templates.render(settings.template, report)
            } catch {
                throw ReportError.template(name: settings.template, reason: "\(error)")
            }
            // One note per merge request: this build on top, the ones before it below.
            let build = PullRequestHistory.build(of: report, key: event.buildKey)
            _ = try await api.upsertMergeRequestNote(
                project: project, mergeRequest: mergeRequest, marker: Self.marker(for: event, project: project)
            ) { existing in
                PullRequestHistory.read(from: existing).reporting(build).comment(body: body, limit: Self.noteLimit)
            }
        }
        if let firstError { throw firstError }
    }
}
