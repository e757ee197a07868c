import SlipwayCore
import SlipwayHTTP
import Testing

@Suite("Private-network policy")
struct PrivateNetworkPolicyTests {
    /// One address inside each refused range, IPv4 and IPv6, with the range it must be refused under.
    static let refused: [(String, String)] = [
        ("0.0.0.0", "0.0.0.0/8"), ("0.1.2.3", "0.0.0.0/8"),
        ("10.0.0.1", "10.0.0.0/8"), ("10.255.255.255", "10.0.0.0/8"),
        ("100.64.0.1", "100.64.0.0/10"), ("100.127.255.254", "100.64.0.0/10"),
        ("127.0.0.1", "127.0.0.0/8"), ("127.8.9.10", "127.0.0.0/8"),
        ("169.254.169.254", "169.254.0.0/16"),
        ("172.16.0.1", "172.16.0.0/12"), ("172.31.255.255", "172.16.0.0/12"),
        ("192.0.0.8", "192.0.0.0/24"), ("192.0.2.10", "192.0.2.0/24"), ("192.88.99.1", "192.88.99.0/24"),
        ("192.168.1.1", "192.168.0.0/16"), ("198.18.0.1", "198.18.0.0/15"), ("198.51.100.7", "198.51.100.0/24"),
        ("203.0.113.9", "203.0.113.0/24"), ("224.0.0.251", "224.0.0.0/4"), ("239.255.255.250", "224.0.0.0/4"),
        ("240.0.0.1", "240.0.0.0/4"), ("255.255.255.255", "240.0.0.0/4"),
        ("::", "::/128"), ("::1", "::1/128"), ("fe80::1", "fe80::/10"), ("febf::1", "fe80::/10"),
        ("fc00::1", "fc00::/7"), ("fd12:3456::1", "fc00::/7"), ("ff02::1", "ff00::/8"), ("2001:db8::1", "2001:db8::/32"),
        ("100::1", "100::/64"), ("fec0::1", "fec0::/10"), ("64:ff9b:1::1", "64:ff9b:1::/48"),
        // IPv4 inside IPv6: mapped, compatible, NAT64, 6to4, Teredo (client address inverted).
        ("::ffff:127.0.0.1", "127.0.0.0/8"), ("::ffff:169.254.169.254", "169.254.0.0/16"),
        ("::10.0.0.1", "10.0.0.0/8"), ("64:ff9b::a9fe:a9fe", "169.254.0.0/16"), ("64:ff9b::7f00:1", "127.0.0.0/8"),
        ("2002:c0a8:0101::1", "192.168.0.0/16"), ("2002:7f00:0001::", "127.0.0.0/8"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.0/24"),  // Teredo client 192.0.2.45
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.0/8"),  // Teredo client 127.0.0.1
    ]

    @Test("every private, reserved and embedded-IPv4 form is refused, named by its range", arguments: refused)
    func refusesRange(address: String, range: String) throws {
        let ip = try #require(IPAddress(address))
        let refusal = try #require(PrivateNetworkPolicy.strict.refusal(for: ip), "\(address) must be refused")
        #expect(refusal.range.description == NetworkRange(range)!.description)
    }

    @Test("an address is allowed once its CIDR (or a wider one) is listed", arguments: refused)
    func allowedWhenListed(address: String, range: String) throws {
        let ip = try #require(IPAddress(address))
        #expect(PrivateNetworkPolicy(allowed: [NetworkRange(range)!]).refusal(for: ip) == nil)
        #expect(PrivateNetworkPolicy(allowed: [NetworkRange(address)!]).refusal(for: ip) == nil)
    }

    @Test("public addresses pass", arguments: ["93.184.216.34", "8.8.8.8", "140.82.112.3", "2606:4700::6810:85e5", "2a00:1450:4001:80b::200e", "172.32.0.1", "100.128.0.1", "11.0.0.1"])
    func publicAddressesPass(address: String) throws {
        #expect(PrivateNetworkPolicy.strict.refusal(for: try #require(IPAddress(address))) == nil)
    }

    @Test("allowing one range does not allow its neighbours")
    func allowIsNarrow() throws {
        let policy = PrivateNetworkPolicy(allowed: [NetworkRange("10.20.0.0/16")!])
        #expect(policy.refusal(for: IPAddress("10.20.3.4")!) == nil)
        #expect(policy.refusal(for: IPAddress("10.21.0.1")!) != nil)
        #expect(policy.refusal(for: IPAddress("::ffff:10.20.3.4")!) == nil)
        #expect(policy.refusal(for: IPAddress("127.0.0.1")!) != nil)
    }

    @Test("CIDR parsing refuses what is not a network")
    func cidrParsing() {
        #expect(NetworkRange("10.0.0.0/8")?.description == "10.0.0.0/8")
        #expect(NetworkRange("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(NetworkRange("127.0.0.1")?.prefixLength == 32)
        #expect(NetworkRange("fd00::/8")?.prefixLength == 8)
        #expect(NetworkRange("10.0.0.0/33") == nil)
        #expect(NetworkRange("intranet.local") == nil)
        #expect(NetworkRange("10.0.0/8") == nil)
    }
}
