import Foundation
import SlipwayFakes
import Testing

/// A signed webhook cannot make Slipway fetch from private networks unless the operator allowed it.
@Suite("Private networks, end to end")
struct PrivateNetworkTests {
    /// The tests' usual access block, without `server.outbound` (the default a new user has).
    static let tokenOnly = "  access:\n    api_tokens: [\"${SLIPWAY_API_TOKEN}\"]"

    @Test(arguments: [
        ("http://127.0.0.1:PORT/builds/1/app-release.apk", "127.0.0.1 is in 127.0.0.0/8"),
        ("http://[::1]:PORT/builds/1/app-release.apk", "::1 is in ::1/128"),
        ("http://169.254.169.254/latest/app-release.apk", "169.254.169.254 is in 169.254.0.0/16"),
        ("http://localhost:PORT/builds/1/app-release.apk", "is in 127.0.0.0/8"),
    ])
    func aWebhookNamingAPrivateAddressFailsWithTheKeyThatWouldAllowIt(template: String, said: String) async throws {
        try await TestWorld.with(serverExtra: Self.tokenOnly) { world in
            await world.artifacts.add(path: "/builds/1/app-release.apk", data: TestWorld.fakeAPK(seed: 5))
            try await world.withServer { server in
                let port = URL(string: world.artifactsURL)!.port!
                let answer = try await world.postGeneric(server, artifactURL: template.replacingOccurrences(of: "PORT", with: "\(port)") + "?token=s3cret")
                #expect(answer.status == 202)
                let id = try #require(answer.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "failed")
                let text = "\(delivery)"
                #expect(text.contains(said))
                #expect(text.contains("server.outbound.allow_private_networks"))
                #expect(!text.contains("s3cret"))
                #expect(await world.artifacts.requests.isEmpty)
                #expect(await world.play.uploads(of: TestWorld.packageName).isEmpty)
            }
        }
    }

    @Test func theSameWebhookIsDeliveredOnceLoopbackIsListed() async throws {
        try await TestWorld.with(serverExtra: Self.tokenOnly + "\n  outbound:\n    allow_private_networks: [127.0.0.1/32]") { world in
            let apk = TestWorld.fakeAPK(seed: 6)
            await world.artifacts.add(path: "/builds/2/app-release.apk", data: apk)
            try await world.withServer { server in
                let answer = try await world.postGeneric(server, artifactURL: world.artifactsURL + "/builds/2/app-release.apk")
                let delivery = try await world.waitForDelivery(server, id: try #require(answer.json["delivery_id"] as? String))
                #expect(delivery["state"] as? String == "done")
                #expect(await world.play.uploads(of: TestWorld.packageName).first?.sha256 == TestWorld.sha256Hex(apk))
            }
        }
    }
}
