/// How a delivery came in, beyond the CI's own webhook sources (`github`, `gitlab`, …), which are
/// named after the provider. Stored as the delivery's `source`.
package enum IntakeSource {
    /// Found by asking the CI's API for finished builds: its webhook never arrived.
    package static let reconcile = "reconcile"

    /// What reports say about a delivery reconciliation found, so the team can fix its webhook.
    package static let reconciledNote = "picked up by reconciliation — no webhook was received"

    /// The note reports carry for a delivery that came in through `source`, or nil.
    package static func note(for source: String) -> String? {
        source == reconcile ? reconciledNote : nil
    }
}
