import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayFakes
import SlipwayHTTP
import Testing

/// A resolver with fixed answers per host, which counts its lookups (a rebinding attacker answers
/// differently the second time: the guard must never ask twice).
actor ScriptedResolver: HostResolver {
    private var answers: [String: [[String]]]
    private(set) var lookups: [String: Int] = [:]

    init(_ answers: [String: [[String]]]) {
        self.answers = answers
    }

    func addresses(of host: String) async throws -> [IPAddress] {
        lookups[host, default: 0] += 1
        guard var queue = answers[host], !queue.isEmpty else { throw HostResolutionError(host: host, reason: "unknown host") }
        let next = queue.count > 1 ? queue.removeFirst() : queue[0]
        answers[host] = queue
        return next.compactMap(IPAddress.init)
    }
}

@Suite("Outbound HTTP guard")
struct OutboundHTTPTests {
    let client = OutboundHTTP.makeSharedClient()

    /// Runs `body`, then shuts the client down — also when `body` throws, so a failing test reports
    /// its issue instead of crashing the process in the client's deinit.
    func shuttingDown(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func get(
        _ http: OutboundHTTP, _ url: String, trust: OutboundHTTP.Trust = .external, headers: [(String, String)] = []
    ) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await http.withResponse(request, trust: trust, timeout: .seconds(10)) { response, _ in
            (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
    }

    @Test("a URL on 127.0.0.1 is refused by default, naming address, range and the key that allows it")
    func loopbackRefused() async throws {
        try await shuttingDown {
            let host = FakeArtifactHost()
            await host.add(path: "/app.apk", data: Data("apk".utf8))
            try await host.run { base in
                let http = OutboundHTTP(client: client)
                let error = await #expect(throws: OutboundRefusal.self) { try await get(http, base + "/app.apk?sig=secret") }
                let text = "\(error!)"
                #expect(text.contains("127.0.0.1 is in 127.0.0.0/8"))
                #expect(text.contains("server.outbound.allow_private_networks"))
                #expect(!text.contains("sig=secret"))
                #expect(await host.requests.isEmpty)
            }
        }
    }

    @Test("[::1] and 169.254.169.254 are refused without a connection attempt")
    func literalAddressesRefused() async throws {
        try await shuttingDown {
            let http = OutboundHTTP(client: client)
            for url in ["http://[::1]:9/app.apk", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]:9/x"] {
                await #expect(throws: OutboundRefusal.self) { try await get(http, url) }
            }
        }
    }

    @Test("loopback passes once its range is listed")
    func loopbackAllowedWhenListed() async throws {
        try await shuttingDown {
            let host = FakeArtifactHost()
            await host.add(path: "/app.apk", data: Data("apk-bytes".utf8))
            try await host.run { base in
                let http = OutboundHTTP(client: client, network: PrivateNetworkPolicy(allowed: [NetworkRange("127.0.0.0/8")!]))
                let (status, body) = try await get(http, base + "/app.apk")
                #expect(status == 200 && body == "apk-bytes")
            }
        }
    }

    @Test("a public-looking name whose server redirects to 127.0.0.1 is refused at the hop")
    func redirectToLoopbackRefused() async throws {
        try await shuttingDown {
            let inner = FakeArtifactHost()
            await inner.add(path: "/secret", data: Data("internal".utf8))
            let outer = FakeArtifactHost()
            try await inner.run { innerBase in
                try await outer.run(host: "127.0.0.2") { outerBase in
                    await outer.redirect(path: "/app.apk", to: innerBase + "/secret")
                    let port = URL(string: outerBase)!.port!
                    // files.example resolves to 127.0.0.2, which the operator allowed; 127.0.0.1 is not.
                    let resolver = ScriptedResolver(["files.example": [["127.0.0.2"]]])
                    let http = OutboundHTTP(
                        client: client, network: PrivateNetworkPolicy(allowed: [NetworkRange("127.0.0.2/32")!]), resolver: resolver)
                    let error = await #expect(throws: OutboundRefusal.self) {
                        try await get(http, "http://files.example:\(port)/app.apk")
                    }
                    #expect("\(error!)".contains("127.0.0.1 is in 127.0.0.0/8"))
                    #expect(await outer.requests.count == 1)
                    #expect(await inner.requests.isEmpty)
                }
            }
        }
    }

    @Test("a name resolving to a public and a private address is refused")
    func mixedAnswersRefused() async throws {
        try await shuttingDown {
            let resolver = ScriptedResolver(["mixed.example": [["93.184.216.34", "10.0.0.5"]]])
            let http = OutboundHTTP(client: client, resolver: resolver)
            let error = await #expect(throws: OutboundRefusal.self) { try await get(http, "http://mixed.example/app.apk") }
            #expect("\(error!)".contains("10.0.0.5 is in 10.0.0.0/8"))
        }
    }

    @Test("the connection goes to the checked address: a second, rebinding answer is never asked for")
    func pinnedToCheckedAddress() async throws {
        try await shuttingDown {
            let host = FakeArtifactHost()
            await host.add(path: "/app.apk", data: Data("from-127.0.0.2".utf8))
            try await host.run(host: "127.0.0.2") { base in
                let port = URL(string: base)!.port!
                let resolver = ScriptedResolver(["rebind.example": [["127.0.0.2"], ["127.0.0.1"]]])
                let http = OutboundHTTP(
                    client: client, network: PrivateNetworkPolicy(allowed: [NetworkRange("127.0.0.2/32")!]), resolver: resolver)
                let (status, body) = try await get(http, "http://rebind.example:\(port)/app.apk")
                #expect(status == 200 && body == "from-127.0.0.2")
                #expect(await resolver.lookups["rebind.example"] == 1)
                #expect(await host.requests.first?.headers["host"] == "rebind.example:\(port)")
            }
        }
    }

    @Test("credentials stay with their origin: kept on a same-origin hop, dropped on a cross-origin one")
    func credentialsStayWithOrigin() async throws {
        try await shuttingDown {
            let storage = FakeArtifactHost()
            await storage.add(path: "/blob", data: Data("blob".utf8))
            let ci = FakeArtifactHost()
            let loopback = PrivateNetworkPolicy(allowed: [NetworkRange("127.0.0.0/8")!])
            try await storage.run(host: "127.0.0.2") { storageBase in
                try await ci.run { ciBase in
                    await ci.redirect(path: "/artifact", to: "/moved")
                    await ci.redirect(path: "/moved", to: storageBase + "/blob?X-Amz-Signature=abc")
                    let http = OutboundHTTP(client: client, network: loopback)
                    let credentials = [
                        ("Authorization", "Bearer t1"), ("Circle-Token", "t2"), ("PRIVATE-TOKEN", "t3"), ("X-Gitlab-Token", "t4"),
                        ("X-Custom-Auth", "t5"), ("Accept", "application/octet-stream"),
                    ]
                    var request = HTTPClientRequest(url: ciBase + "/artifact")
                    for (name, value) in credentials { request.headers.add(name: name, value: value) }
                    let status = try await http.withResponse(
                        request, trust: .configured, timeout: .seconds(10), extraCredentialHeaders: ["X-Custom-Auth"]
                    ) { response, url in
                        #expect(url.host == "127.0.0.2")
                        return Int(response.status.code)
                    }
                    #expect(status == 200)
                    let ciSeen = await ci.requests
                    #expect(ciSeen.count == 2)
                    #expect(ciSeen.allSatisfy { $0.headers["circle-token"] == "t2" && $0.headers["authorization"] == "Bearer t1" })
                    let storageSeen = await storage.headerNamesSeen
                    for name in ["authorization", "circle-token", "private-token", "x-gitlab-token", "x-custom-auth"] {
                        #expect(!storageSeen.contains(name), "\(name) followed the redirect to another origin")
                    }
                    #expect(storageSeen.contains("accept"))
                    let agents = Set((await ci.requests + storage.requests).compactMap { $0.headers["user-agent"] })
                    #expect(agents == [SlipwayVersion.userAgent], "every hop names Slipway and its version")
                }
            }
        }
    }

    @Test("https never redirects to http, and a redirect loop stops after five hops")
    func redirectLimits() async throws {
        try await shuttingDown {
            let host = FakeArtifactHost()
            await host.redirect(path: "/loop", to: "/loop")
            try await host.run { base in
                let http = OutboundHTTP(client: client, network: PrivateNetworkPolicy(allowed: [NetworkRange("127.0.0.0/8")!]))
                let error = await #expect(throws: OutboundRefusal.self) { try await get(http, base + "/loop") }
                #expect(error == .tooManyRedirects(url: base + "/loop", limit: 5))
                #expect(await host.requests.count == 6)
            }
        }
    }

    @Test("a host that refuses the connection fails at once, not after the connect timeout")
    func refusedConnectionFailsFast() async throws {
        try await shuttingDown {
            let http = OutboundHTTP(client: client, network: PrivateNetworkPolicy(allowed: [NetworkRange("127.0.0.0/8")!]))
            let started = ContinuousClock.now
            await #expect(throws: (any Error).self) { try await get(http, "http://127.0.0.1:1/app.apk") }
            // Generous bound: without the fix the client retries until its 10 s connect timeout.
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}
