import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayFakes
import SlipwayQueue
import SlipwayServer
import Testing

/// Re-delivering a delivery's failed stores: from the API, the delivery page and the command line.
@Suite("Redeliver")
struct RedeliveryTests {
    /// A PR build whose Play upload is refused once (403): the delivery ends failed.
    func failedDelivery(_ world: TestWorld, _ server: String, runID: Int64) async throws -> String {
        await world.play.enqueue(.status(403, reason: "userInsufficientPermission", message: "The caller does not have permission"))
        let answer = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 31))
        let id = try #require(answer.json["delivery_id"] as? String)
        #expect(try await world.waitForDelivery(server, id: id)["state"] as? String == "failed")
        return id
    }

    func post(_ url: String, bearer: String?, json: String? = nil) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:])
    }

    @Test func theAPIReDeliversTheFailedStoreAndTheSamePRCommentIsEdited() async throws {
        try await TestWorld.with { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 61), runID: 700)
            try await world.withServer { server in
                let id = try await failedDelivery(world, server, runID: runID)
                #expect(try await post(server + "/api/deliveries/\(id)/redeliver", bearer: nil).0 == 401)
                let (unknownStatus, unknown) = try await post(
                    server + "/api/deliveries/\(id)/redeliver", bearer: TestWorld.apiToken, json: #"{"stores":["testflight"]}"#)
                #expect(unknownStatus == 400 && (unknown["error"] as? String)?.contains("has no store testflight") == true)
                let (status, json) = try await post(server + "/api/deliveries/\(id)/redeliver", bearer: TestWorld.apiToken)
                #expect(status == 202)
                #expect(json["stores"] as? [String] == ["play"])
                #expect(try await world.waitForDelivery(server, id: id)["state"] as? String == "done")
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
                let comments = await world.github.comments(repository: TestWorld.repository, issue: 31)
                #expect(comments.count == 1, "the same PR comment is edited")
                #expect(comments.first?.body.contains("Install from Play") == true)
                let (again, nothing) = try await post(server + "/api/deliveries/\(id)/redeliver", bearer: TestWorld.apiToken)
                #expect(again == 409 && (nothing["error"] as? String)?.contains("no failed store") == true)
                let page = try await world.sendText(server + "/deliveries/\(id)")
                #expect(page.text.contains("Re-deliveries") && page.text.contains("play by API token"))
            }
        }
    }

    @Test func theDeliveryPagesButtonReDeliversWithTheSessionsCSRFToken() async throws {
        try await TestWorld.with { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 62), runID: 701)
            try await world.withServer { server in
                let id = try await failedDelivery(world, server, runID: runID)
                let browser = BrowserSession()
                _ = try await browser.signIn(server, token: TestWorld.apiToken)
                let page = try await browser.get(server + "/deliveries/\(id)")
                #expect(page.text.contains("id=\"redeliver\""))
                #expect(try await browser.post(server + "/deliveries/\(id)/redeliver", form: [:]).status == 403, "no CSRF token")
                let csrf = try #require(BrowserSession.hiddenField("csrf", in: page.text))
                let pressed = try await browser.post(server + "/deliveries/\(id)/redeliver", form: ["csrf": csrf])
                #expect(pressed.status == 303)
                #expect(try await world.waitForDelivery(server, id: id)["state"] as? String == "done")
                let after = try await browser.get(server + "/deliveries/\(id)")
                #expect(after.text.contains("play by token"))
                #expect(!after.text.contains("id=\"redeliver\""), "no failed store left")
            }
        }
    }

    @Test func aRunningDeliveryIsNotReDeliveredAndSaysWhy() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("redeliver-\(UUID().uuidString).db")
        defer { try? FileManager.default.removeItem(at: file) }
        let store = try await JobStores.open(databaseURL: "sqlite:\(file.path)", logger: Logger(label: "test"))
        try await store.migrate()
        let event = BuildEvent(
            provider: .github, repository: "acme/app", branch: "main", sha: String(repeating: "c", count: 40), trigger: .push,
            conclusion: .success, buildID: "1", artifactSource: .localFile("/tmp/app.apk"))
        let plan = DeliveryPlan(
            matchedRules: ["r"], uploads: [PlannedUpload(store: "play", artifact: .init(pattern: try Glob("**/*.apk"), kind: nil), rule: "r")],
            notifications: [])
        guard case .accepted(let id) = try await store.accept(
            NewDelivery(source: "github", externalID: "x", event: event, plan: plan, receivedAt: Date()))
        else { Issue.record("not accepted"); return }
        try await store.setDeliveryState(deliveryID: id, state: .running, error: nil)
        await #expect(throws: Redelivery.Refusal.busy(id, state: "running")) {
            _ = try await Redelivery(jobStore: store).redeliver(id, stores: nil, by: "test")
        }
        await #expect(throws: Redelivery.Refusal.notFound("dlv_none")) {
            _ = try await Redelivery(jobStore: store).redeliver("dlv_none", stores: nil, by: "test")
        }
        try await store.close()
    }
}
