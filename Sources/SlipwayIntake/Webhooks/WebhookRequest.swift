package import SlipwayCore
package import Foundation

/// An inbound webhook as the HTTP layer received it: header names lowercased, the raw body bytes
/// exactly as sent (signatures are computed over them, so nothing may re-serialise the JSON first).
package struct WebhookRequest: Sendable {
    package var headers: [String: String]
    package var body: Data

    package init(headers: [String: String], body: Data) {
        var lowered: [String: String] = [:]
        for (name, value) in headers { lowered[name.lowercased()] = value }
        self.headers = lowered
        self.body = body
    }

    package func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}

/// What intake made of a verified webhook.
package enum WebhookIntake: Sendable, Equatable {
    /// A finished build to route. `deliveryID` is the sender's id for this delivery (for de-duplication).
    case build(deliveryID: String, event: BuildEvent)
    /// A genuine call that asks for nothing (a ping, a non-final state, another event type).
    case ignored(deliveryID: String?, reason: String)
    /// Someone pressed "Re-deliver failed" on Slipway's check run for delivery `slipwayDelivery`.
    case redeliver(deliveryID: String, slipwayDelivery: String)
}

/// A CI provider's webhook format: verifies the sender, then maps the payload to a `BuildEvent`.
package protocol WebhookAdapter: Sendable {
    var provider: BuildEvent.Provider { get }
    /// Verifies and parses. Signature checks run on the raw bytes before any parsing.
    func receive(_ request: WebhookRequest, now: Date) throws(WebhookError) -> WebhookIntake
}

