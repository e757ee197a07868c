/// Buttons Slipway puts on its GitHub check runs; the `check_run` webhook names the one pressed.
package enum CheckRunAction {
    /// "Re-deliver failed": queue the delivery's failed stores again.
    package static let redeliver = "redeliver"
}
