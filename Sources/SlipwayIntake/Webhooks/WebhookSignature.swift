package import SlipwayCore
import Crypto
package import Foundation

/// HMAC-SHA256 signature checks used by CI webhooks, all comparing in constant time on the raw body.
package enum WebhookSignature {
    /// GitHub's `X-Hub-Signature-256: sha256=<hex>` over the body, keyed by the webhook secret.
    package static func verifyGitHub(header: String?, body: Data, secret: Secret) throws(WebhookError) {
        guard let header, !header.isEmpty else {
            throw .unauthorized("missing X-Hub-Signature-256 header: set a secret on the GitHub webhook")
        }
        guard header.hasPrefix("sha256="), let mac = Data(hexString: String(header.dropFirst(7))),
            mac.count == SHA256.byteCount
        else {
            throw .unauthorized("X-Hub-Signature-256 is not of the form sha256=<64 hex digits>")
        }
        let key = SymmetricKey(data: Data(secret.revealed.utf8))
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) else {
            throw .unauthorized("X-Hub-Signature-256 does not match the body: the webhook secret differs from Slipway's")
        }
    }

    /// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64> …`).
    /// The signed content is `id.timestamp.body`; any one `v1` signature matching is enough (key rotation).
    /// Timestamps further than `tolerance` from `now` are refused, so a captured call cannot be replayed later.
    package static func verifyStandardWebhook(
        id: String?, timestamp: String?, signatures: String?, body: Data, secret: Secret, tolerance: TimeInterval,
        now: Date
    ) throws(WebhookError) {
        guard let id, !id.isEmpty else { throw .unauthorized("missing webhook-id header") }
        guard let timestamp, let seconds = Int64(timestamp) else {
            throw .unauthorized("missing or non-numeric webhook-timestamp header (unix seconds)")
        }
        guard let signatures, !signatures.isEmpty else {
            throw .unauthorized("missing webhook-signature header (v1,<base64 HMAC-SHA256>)")
        }
        let skew = now.timeIntervalSince1970 - TimeInterval(seconds)
        guard abs(skew) <= tolerance else {
            throw .unauthorized(
                "webhook-timestamp is \(Int(abs(skew))) s \(skew > 0 ? "old" : "in the future"), outside the \(Int(tolerance)) s window: a replayed call, or the sender's clock is wrong")
        }
        let key = SymmetricKey(data: standardWebhookKey(secret))
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        for candidate in signatures.split(separator: " ") {
            let parts = candidate.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let mac = Data(base64Encoded: String(parts[1])),
                mac.count == SHA256.byteCount
            else { continue }
            if HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) { return }
        }
        throw .unauthorized("webhook-signature does not match: the signing secret differs from Slipway's, or the body was changed")
    }

    /// `whsec_<base64>` secrets sign with the decoded bytes (the Standard Webhooks rule); any other
    /// secret signs with its UTF-8 bytes, so a plain shared password works from curl + openssl too.
    package static func standardWebhookKey(_ secret: Secret) -> Data {
        let text = secret.revealed
        if text.hasPrefix("whsec_"), let decoded = Data(base64Encoded: String(text.dropFirst(6))) {
            return decoded
        }
        return Data(text.utf8)
    }

    /// Signs like a Standard Webhooks sender: for tests, the demo and the docs' curl example.
    package static func standardWebhookSignature(id: String, timestamp: Int64, body: Data, secret: Secret) -> String {
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: standardWebhookKey(secret)))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Signs like GitHub: `sha256=<hex>`.
    package static func gitHubSignature(body: Data, secret: Secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.revealed.utf8)))
        return "sha256=" + Data(mac).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares a plain shared secret sent in a header (`X-Gitlab-Token`, `X-Buildkite-Token`, Bitrise's
    /// custom header) in constant time: both sides are hashed first, so neither the content nor the
    /// length of the expected secret leaks through timing.
    package static func plainTokenMatches(_ received: String, _ expected: Secret) -> Bool {
        let a = SHA256.hash(data: Data(received.utf8))
        let b = SHA256.hash(data: Data(expected.revealed.utf8))
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0 && !expected.revealed.isEmpty
    }

    /// Whether `hex` is the hex HMAC-SHA256 of `message` keyed by the secret's UTF-8 bytes (CircleCI
    /// `v1=`, Buildkite `signature=`). Wrong-length or non-hex input is refused before comparing.
    package static func hexHMACMatches(_ hex: String, message: Data, secret: Secret) -> Bool {
        guard let mac = Data(hexString: hex), mac.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: message, using: SymmetricKey(data: Data(secret.revealed.utf8)))
    }

    /// Lowercase hex HMAC-SHA256 of `message` keyed by the secret's UTF-8 bytes: signs like CircleCI and Buildkite.
    package static func hexHMAC(_ message: Data, secret: Secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.revealed.utf8)))
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }
}

extension Data {
    /// Decodes lowercase or uppercase hex; nil for odd length or a non-hex character.
    init?(hexString: String) {
        let chars = Array(hexString.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(chars.count / 2)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var index = 0
        while index < chars.count {
            guard let high = value(chars[index]), let low = value(chars[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }
}

