import Foundation
import SlipwayFakes
import Testing

/// Long store states: a store that is still processing is checked again on a backing-off schedule
/// that lives in the job store, and every change updates the report.
@Suite("Polling long store states", .serialized)
struct PollingTests {
    @Test func aBuildApplivertyHasNotProcessedIsPolledUntilItsLinkExists() async throws {
        try await TestWorld.with { world in
            let apk = TestWorld.fakeAPK(seed: 21)
            await world.artifacts.add(path: "/builds/5/app-release.apk", data: apk)
            await world.applivery.setProcessingPolls(3)
            try await world.withServer { server in
                let reply = try await world.postGeneric(server, artifactURL: world.artifactsURL + "/builds/5/app-release.apk", runID: "p-1")
                let id = try #require(reply.json["delivery_id"] as? String)
                let waiting = try await world.waitForDelivery(server, id: id)
                #expect(waiting["state"] as? String == "waiting")

                let done = try await waitForState(world, server, id: id, state: "done")
                let stores = done["stores"] as? [[String: Any]] ?? []
                let applivery = stores.first { $0["store"] as? String == "applivery" } ?? [:]
                #expect(applivery["state"] as? String == "succeeded")
                let links = applivery["links"] as? [[String: Any]] ?? []
                #expect((links.first?["url"] as? String)?.contains("/download/v1/download/") == true)
                #expect(await world.applivery.uploads.count == 1, "polling never uploads again")
            }
        }
    }

    @Test func pollingGoesOnAfterARestart() async throws {
        try await TestWorld.with { world in
            await world.artifacts.add(path: "/builds/6/app-release.apk", data: TestWorld.fakeAPK(seed: 22))
            await world.applivery.setProcessingPolls(4)
            let id: String = try await world.withServer { server in
                let reply = try await world.postGeneric(server, artifactURL: world.artifactsURL + "/builds/6/app-release.apk", runID: "p-2")
                let id = try #require(reply.json["delivery_id"] as? String)
                let waiting = try await world.waitForDelivery(server, id: id)
                #expect(waiting["state"] as? String == "waiting")
                return id
            }
            // A new server process on the same database picks the scheduled check up.
            try await world.withServer { server in
                let done = try await waitForState(world, server, id: id, state: "done")
                #expect(done["state"] as? String == "done")
            }
            #expect(await world.applivery.uploads.count == 1)
            #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
        }
    }

    private func waitForState(_ world: TestWorld, _ server: String, id: String, state: String) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        var last: [String: Any] = [:]
        while clock.now < deadline {
            last = try await world.getJSON("\(server)/api/deliveries/\(id)").json
            if last["state"] as? String == state { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("delivery \(id) never reached \(state); last: \(last)")
        return last
    }
}
