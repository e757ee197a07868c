package import SlipwayCore
/// Which addresses a URL named by a webhook, a CI's answer, a store's answer or a redirect may
/// reach: none in the loopback, private, link-local (cloud metadata), unique-local, multicast or
/// reserved ranges — in any IPv6 spelling of them — unless the operator listed the range in
/// `server.outbound.allow_private_networks`.
package struct PrivateNetworkPolicy: Sendable, Equatable {
    /// Ranges the operator allowed (on-prem artifact servers, loopback fakes in tests and the demo).
    package var allowed: [NetworkRange]

    package init(allowed: [NetworkRange] = []) {
        self.allowed = allowed
    }

    /// Refuses every private and reserved range.
    package static let strict = PrivateNetworkPolicy()

    /// A refused range and what it is, for the error a user reads.
    package struct RefusedRange: Sendable, Equatable {
        package let range: NetworkRange
        package let name: String
    }

    /// Why `address` may not be reached, or nil when it may.
    package func refusal(for address: IPAddress) -> RefusedRange? {
        if allowed.contains(where: { $0.contains(address) }) { return nil }
        if address.isIPv4 {
            return Self.refusedIPv4.first { $0.range.contains(address) }
        }
        // IPv6 forms that carry an IPv4 address: judge the IPv4 address inside (and the form itself
        // when it is a local-use one).
        if let (embedded, form) = Self.embeddedIPv4(in: address) {
            if allowed.contains(where: { $0.contains(embedded) }) { return nil }
            if let inner = Self.refusedIPv4.first(where: { $0.range.contains(embedded) }) {
                return RefusedRange(range: inner.range, name: "\(inner.name), reached through its \(form) form \(address)")
            }
        }
        return Self.refusedIPv6.first { $0.range.contains(address) }
    }

    static func range(_ text: String, _ name: String) -> RefusedRange {
        RefusedRange(range: NetworkRange(text)!, name: name)
    }

    /// IANA special-purpose IPv4 ranges that are not the public internet.
    static let refusedIPv4: [RefusedRange] = [
        range("0.0.0.0/8", "unspecified"),
        range("10.0.0.0/8", "private (RFC 1918)"),
        range("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
        range("127.0.0.0/8", "loopback"),
        range("169.254.0.0/16", "link-local, where cloud metadata services answer"),
        range("172.16.0.0/12", "private (RFC 1918)"),
        range("192.0.0.0/24", "IETF protocol assignments"),
        range("192.0.2.0/24", "documentation (TEST-NET-1)"),
        range("192.88.99.0/24", "6to4 relay anycast"),
        range("192.168.0.0/16", "private (RFC 1918)"),
        range("198.18.0.0/15", "benchmarking"),
        range("198.51.100.0/24", "documentation (TEST-NET-2)"),
        range("203.0.113.0/24", "documentation (TEST-NET-3)"),
        range("224.0.0.0/4", "multicast"),
        range("240.0.0.0/4", "reserved"),
    ]

    static let refusedIPv6: [RefusedRange] = [
        range("::/128", "unspecified"),
        range("::1/128", "loopback"),
        range("::ffff:0:0/96", "IPv4-mapped"),
        range("::/96", "IPv4-compatible"),
        range("64:ff9b:1::/48", "local-use NAT64"),
        range("100::/64", "discard-only"),
        range("2001:db8::/32", "documentation"),
        range("2001:10::/28", "ORCHID"),
        range("2001:20::/28", "ORCHIDv2"),
        range("fc00::/7", "unique-local"),
        range("fe80::/10", "link-local"),
        range("fec0::/10", "site-local (deprecated)"),
        range("ff00::/8", "multicast"),
    ]

    static let mapped = NetworkRange("::ffff:0:0/96")!
    static let compatible = NetworkRange("::/96")!
    static let nat64 = NetworkRange("64:ff9b::/96")!
    static let sixToFour = NetworkRange("2002::/16")!
    static let teredo = NetworkRange("2001::/32")!

    /// The IPv4 address carried by an IPv4-mapped, IPv4-compatible, NAT64, 6to4 or Teredo address.
    static func embeddedIPv4(in address: IPAddress) -> (IPAddress, String)? {
        let b = address.bytes
        if mapped.contains(address) { return (IPAddress(bytes: Array(b[12..<16]))!, "IPv4-mapped") }
        if nat64.contains(address) { return (IPAddress(bytes: Array(b[12..<16]))!, "NAT64") }
        if sixToFour.contains(address) { return (IPAddress(bytes: Array(b[2..<6]))!, "6to4") }
        if teredo.contains(address) {
            // The client's address is stored inverted in the last 32 bits.
            return (IPAddress(bytes: b[12..<16].map { $0 ^ 0xFF })!, "Teredo")
        }
        if compatible.contains(address), b[12..<16] != [0, 0, 0, 0], b[12..<16] != [0, 0, 0, 1] {
            return (IPAddress(bytes: Array(b[12..<16]))!, "IPv4-compatible")
        }
        return nil
    }
}
