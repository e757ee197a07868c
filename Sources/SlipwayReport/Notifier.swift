package import Logging
package import SlipwayCore

/// Values a notifier must find again on later updates of the same delivery: a comment id, a
/// Slack message `ts`, a Discord message id. Backed by the job store, so they survive restarts.
package protocol ReportReferences: Sendable {
    func value(for key: String) async throws -> String?
    func set(_ value: String, for key: String) async throws
}

/// One notification target (a chat channel, a GitLab project…). Called with the whole report each
/// time a delivery's results change; it decides what to post, edit or skip.
package protocol Notifier: Sendable {
    /// The notification's name from the config (`notifications:` key).
    var name: String { get }
    /// Posts or updates this target's message for `report`. Throws `ReportError` on failure; the
    /// caller logs it and the delivery goes on.
    func publish(_ report: BuildReport, event: BuildEvent, references: any ReportReferences, logger: Logger) async throws
}
