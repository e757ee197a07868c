import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayFakes
import SlipwayServer
import Testing

/// Issue 14 §3: `POST /api/reload` (and SIGHUP, which calls the same `reload()`) reads the config
/// file again; a valid file is used by the next webhook and job, an invalid one is refused with its
/// lines and the running config stays; work under way keeps the config it started with.
@Suite("Config reload")
struct ConfigReloadTests {
    func reload(_ server: String, bearer: String? = TestWorld.apiToken) async throws -> (status: Int, json: [String: Any]) {
        var request = HTTPClientRequest(url: server + "/api/reload")
        request.method = .POST
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:])
    }

    /// Rewrites the world's config file, replacing `old` (which must be there) by `new`.
    func edit(_ world: TestWorld, replacing old: String, with new: String) throws {
        let text = try String(contentsOfFile: world.configPath, encoding: .utf8)
        #expect(text.contains(old), "the config holds \(old)")
        try text.replacingOccurrences(of: old, with: new).write(toFile: world.configPath, atomically: true, encoding: .utf8)
    }

    func postMain(_ world: TestWorld, _ server: String, build: Int) async throws -> (status: Int, json: [String: Any]) {
        let path = "/builds/reload-\(build)/app-release.apk"
        await world.artifacts.add(path: path, data: TestWorld.fakeAPK(seed: UInt8(90 + build)))
        return try await world.postGeneric(server, artifactURL: world.artifactsURL + path, runID: "reload-\(build)")
    }

    @Test func aValidFileIsUsedByTheNextWebhook() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                #expect(try await postMain(world, server, build: 1).status == 202)

                try edit(world, replacing: "branches: [main]", with: "branches: [develop]")
                let answer = try await reload(server)
                #expect(answer.status == 200)
                #expect(answer.json["status"] as? String == "reloaded")
                #expect(answer.json["rules"] as? Int == 2)
                #expect((answer.json["notices"] as? [String])?.isEmpty == true)

                let after = try await postMain(world, server, build: 2)
                #expect(after.status == 200)
                #expect(after.json["status"] as? String == "ignored")
            }
        }
    }

    @Test func anInvalidFileIsRefusedWithItsLinesAndTheRunningConfigStays() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                try edit(world, replacing: "stores: [play, applivery]", with: "stores: [play, nowhere]")
                let line = try String(contentsOfFile: world.configPath, encoding: .utf8)
                    .components(separatedBy: "\n").firstIndex { $0.contains("nowhere") }! + 1
                let answer = try await reload(server)
                #expect(answer.status == 422)
                #expect(answer.json["status"] as? String == "refused")
                let errors = answer.json["errors"] as? [String] ?? []
                #expect(errors.contains { $0.hasPrefix("\(world.configPath):\(line):") && $0.contains("\"nowhere\"") }, "\(errors)")

                // Still the config it started with: main builds go to Play and Applivery.
                let build = try await postMain(world, server, build: 3)
                #expect(build.status == 202)
                let id = try #require(build.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(storeStates(delivery) == ["play": "succeeded", "applivery": "succeeded"])
            }
        }
    }

    @Test func aFileWhoseSecretIsMissingIsRefusedByName() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                try edit(world, replacing: "app_token: ${APPLIVERY_APP_TOKEN}", with: "app_token: ${APPLIVERY_TOKEN_NOT_SET}")
                let answer = try await reload(server)
                #expect(answer.status == 422)
                let errors = (answer.json["errors"] as? [String] ?? []).joined()
                #expect(errors.contains("APPLIVERY_TOKEN_NOT_SET"), "\(errors)")
                #expect(!errors.contains(TestWorld.appliveryToken))
            }
        }
    }

    @Test func reloadNeedsCredentialsAndServerSettingsWaitForARestart() async throws {
        try await TestWorld.with { world in
            try await world.withServer { server in
                #expect(try await reload(server, bearer: nil).status == 401)
                try edit(world, replacing: "max_webhook_bytes: 4096", with: "max_webhook_bytes: 8192")
                let answer = try await reload(server)
                #expect(answer.status == 200)
                let notices = answer.json["notices"] as? [String] ?? []
                #expect(notices.count == 1)
                #expect(notices.first?.contains("server.max_webhook_bytes changed") == true, "\(notices)")
            }
        }
    }

    @Test func aDeliveryUnderWayKeepsTheConfigItStartedWith() async throws {
        try await TestWorld.with { world in
            let path = "/builds/reload-held/app-release.apk"
            let apk = TestWorld.fakeAPK(size: 4 << 20, seed: 99)
            await world.artifacts.add(path: path, data: apk)
            await world.artifacts.hold(path: path, after: 3 << 20)
            try await world.withServer { server in
                let answer = try await world.postGeneric(server, artifactURL: world.artifactsURL + path, runID: "reload-held")
                let id = try #require(answer.json["delivery_id"] as? String)
                try await waitUntil("the download is held") { await world.artifacts.holdReached(path) }

                // The new config drops Applivery altogether and routes main nowhere.
                try edit(world, replacing: "stores: [play, applivery]", with: "stores: [play]")
                try edit(world, replacing: "branches: [main]", with: "branches: [develop]")
                var text = try String(contentsOfFile: world.configPath, encoding: .utf8)
                let start = try #require(text.range(of: "  applivery:\n"))
                let end = try #require(text.range(of: "  play-beta:\n"))
                text.removeSubrange(start.lowerBound..<end.lowerBound)
                try text.write(toFile: world.configPath, atomically: true, encoding: .utf8)
                #expect(try await reload(server).status == 200)

                await world.artifacts.release(path: path)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done")
                #expect(storeStates(delivery) == ["play": "succeeded", "applivery": "succeeded"])
                #expect(await world.applivery.uploads.count == 1)
                #expect(try await postMain(world, server, build: 4).json["status"] as? String == "ignored")
            }
        }
    }
}
