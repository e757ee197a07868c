/// The version `slipway --version` prints and every outbound request names in its `User-Agent`.
package enum SlipwayVersion {
    package static let current = "0.1.0"
    /// `slipway/0.1.0`: what stores, CIs and chat services see in their logs.
    package static let userAgent = "slipway/\(current)"
}
