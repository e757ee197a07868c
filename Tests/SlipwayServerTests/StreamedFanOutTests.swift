import Foundation
import SlipwayCore
import SlipwayFakes
import SlipwayServer
import Testing

/// Issue 12 §3: stores upload while the artifact still downloads, and never finish with bytes that
/// were not checked. The artifact host holds its answer part-way (`hold`), so "while it downloads"
/// is a state the test sees, not a race it hopes to win.
@Suite("Streamed fan-out") struct StreamedFanOutTests {
    static let path = "/builds/12/app-release.apk"

    /// A 4 MiB artifact whose download stops after 3 MiB until released, sent by the generic hook;
    /// `body` runs once the download is held and Play has started reading the file.
    func withHeldDownload(
        seed: UInt8, declaring sha256: String? = nil, _ body: (TestWorld, _ server: String, _ id: String, _ apk: Data) async throws -> Void
    ) async throws {
        try await TestWorld.with { world in
            let apk = TestWorld.fakeAPK(size: 4 << 20, seed: seed)
            await world.artifacts.add(path: Self.path, data: apk)
            await world.artifacts.hold(path: Self.path, after: 3 << 20)
            try await world.withServer { server in
                let answer = try await world.postGeneric(server, artifactURL: world.artifactsURL + Self.path, sha256: sha256)
                let id = try #require(answer.json["delivery_id"] as? String)
                try await waitUntil("Play receives bytes while the download is held") {
                    let reached = await world.artifacts.holdReached(Self.path)
                    let streamed = await world.play.mediaBytesStreamed
                    return reached && streamed > 0
                }
                try await body(world, server, id, apk)
            }
        }
    }

    @Test func storesReceiveBytesWhileTheDownloadArrivesAndFinishOnlyAfterIt() async throws {
        try await withHeldDownload(seed: 12) { world, server, id, apk in
            #expect(await world.play.mediaBytesStreamed < Int64(apk.count))
            #expect(await world.play.uploads(of: TestWorld.packageName).isEmpty)
            let during = try await world.getJSON("\(server)/api/deliveries/\(id)").json
            #expect(during["state"] as? String == "running")
            #expect(storeStates(during)["play"] == "running")

            await world.artifacts.release(path: Self.path)
            let delivery = try await world.waitForDelivery(server, id: id)
            #expect(delivery["state"] as? String == "done")
            #expect(storeStates(delivery) == ["play": "succeeded", "applivery": "succeeded"])
            #expect(await world.play.uploads(of: TestWorld.packageName).map(\.sha256) == [TestWorld.sha256Hex(apk)])
            #expect(await world.applivery.uploads.count == 1)
            #expect(await world.artifacts.downloads[Self.path] == 1, "one download serves both stores")
        }
    }

    @Test func aDownloadThatFailsHalfWayAbortsEveryStoreAndNoneIsDone() async throws {
        try await withHeldDownload(seed: 13) { world, server, id, _ in
            // The connection drops after 3 MiB, on this attempt and on every retry.
            await world.artifacts.release(path: Self.path, failing: true)

            let delivery = try await world.waitForDelivery(server, id: id)
            #expect(delivery["state"] as? String == "failed")
            #expect(storeStates(delivery) == ["play": "failed", "applivery": "failed"])
            for store in delivery["stores"] as? [[String: Any]] ?? [] {
                let failure = store["failure"] as? [String: Any]
                #expect(failure?["step"] as? String == "download artifact", "\(store)")
            }
            #expect(await world.artifacts.downloads[Self.path] == 3, "retried like any failed download")
            #expect(await world.play.uploads(of: TestWorld.packageName).isEmpty)
            #expect(await world.applivery.uploads.isEmpty)
            #expect(await world.play.mediaBytesStreamed > 0, "the uploads had started, and were abandoned")
        }
    }

    @Test func aDigestThatDoesNotMatchNeverReportsAStoreDone() async throws {
        let declared = TestWorld.sha256Hex(TestWorld.fakeAPK(size: 4 << 20, seed: 15))
        try await withHeldDownload(seed: 14, declaring: declared) { world, server, id, _ in
            // The whole file arrives — it is just not the one the hook declared.
            await world.artifacts.release(path: Self.path)

            let delivery = try await world.waitForDelivery(server, id: id)
            #expect(delivery["state"] as? String == "failed")
            #expect(storeStates(delivery) == ["play": "failed", "applivery": "failed"])
            let message = ((delivery["stores"] as? [[String: Any]])?.first?["failure"] as? [String: Any])?["message"] as? String
            #expect(message?.contains("the webhook declared \(declared)") == true, "\(message ?? "no message")")
            #expect(await world.play.uploads(of: TestWorld.packageName).isEmpty)
            #expect(await world.applivery.uploads.isEmpty)
            #expect(await world.play.mediaBytesStreamed >= Int64(3 << 20), "Play had all but the held-back end")
        }
    }

    @Test func aStalledStoreHoldsUpNeitherTheDownloadNorTheOtherStoreAndItsBytesWaitOnDisk() async throws {
        let arrivals = ArrivalBox()
        var options = SlipwayRuntime.Options.fast
        options.onArtifactArrival = { arrival in Task { await arrivals.add(arrival) } }
        try await TestWorld.with(playMediaOnly: true) { world in
            let size = 64 << 20
            let apk = TestWorld.fakeAPK(size: size, seed: 16)
            await world.artifacts.add(path: Self.path, data: apk)
            await world.applivery.enqueue(.stall, at: .upload)
            try await world.withServer(options: options) { server in
                let answer = try await world.postGeneric(server, artifactURL: world.artifactsURL + Self.path)
                let id = try #require(answer.json["delivery_id"] as? String)

                // Play finishes (so the download finished and was checked) while Applivery reads nothing.
                try await waitUntil("Play finishes while Applivery is stalled", timeout: .seconds(90)) {
                    !(await world.play.uploads(of: TestWorld.packageName).isEmpty)
                }
                #expect(await world.applivery.stalledUploads == 1)
                #expect(await world.applivery.uploads.isEmpty)
                let arrival = try #require(await arrivals.first)
                let positions = await arrival.readPositions
                #expect(positions.count == 2, "one request body per store: \(positions)")
                #expect(positions.last == Int64(size), "Play read the whole file")
                // What Applivery's body has read from the file is all Slipway holds for it: at most
                // what sockets and the HTTP client buffer, never the file it has not taken.
                let stalled = positions.first ?? 0
                #expect(stalled <= Int64(size / 2), "Applivery's body read \(stalled) bytes while the store took none")

                await world.applivery.releaseStalledUploads()
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(storeStates(delivery) == ["play": "succeeded", "applivery": "succeeded"])
                #expect(await world.applivery.uploads.first?.byteCount == Int64(size))
            }
        }
    }
}

/// Keeps the arrivals a delivery hands out, for the test to inspect.
actor ArrivalBox {
    private var arrivals: [ArtifactArrival] = []
    func add(_ arrival: ArtifactArrival) { arrivals.append(arrival) }
    var first: ArtifactArrival? { arrivals.first }
}
