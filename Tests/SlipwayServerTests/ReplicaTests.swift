import Foundation
import SlipwayFakes
import SlipwayServer
import Testing

/// Several replicas on one PostgreSQL database: webhooks may land on any replica, jobs are claimed
/// with `FOR UPDATE SKIP LOCKED`, and every build is still delivered exactly once.
@Suite("Replicas sharing PostgreSQL", .serialized)
struct ReplicaTests {
    static let postgresURL = ProcessInfo.processInfo.environment["SLIPWAY_TEST_POSTGRES_URL"]

    @Test(.enabled(if: postgresURL != nil, "set SLIPWAY_TEST_POSTGRES_URL (scripts/with-postgres.sh does) to run"))
    func twoReplicasDeliverEveryBuildExactlyOnce() async throws {
        let separator = Self.postgresURL!.contains("?") ? "&" : "?"
        let database = Self.postgresURL! + separator + "schema=replicas_\(UInt32.random(in: 0...UInt32.max))"
        try await TestWorld.with(database: database) { world in
            var runs: [Int64] = []
            for index in 0..<6 {
                runs.append(await world.addRun(apk: TestWorld.fakeAPK(size: 50_000, seed: UInt8(50 + index)), runID: 7000 + Int64(index)))
            }
            var options = SlipwayRuntime.Options.fast
            options.workerID = "replica-a"
            try await world.withServer(options: options) { serverA in
                var optionsB = SlipwayRuntime.Options.fast
                optionsB.workerID = "replica-b"
                try await world.withServer(options: optionsB) { serverB in
                    var ids: [String] = []
                    for (index, runID) in runs.enumerated() {
                        // Alternate replicas; each build is sent twice, once to each, as a double delivery would.
                        let body = TestWorld.workflowRunBody(runID: runID, pr: 100 + index)
                        let first = try await world.postGitHub(index.isMultiple(of: 2) ? serverA : serverB, body: body)
                        let second = try await world.postGitHub(index.isMultiple(of: 2) ? serverB : serverA, body: body)
                        #expect(first.status == 202)
                        #expect(second.json["status"] as? String == "duplicate")
                        ids.append(try #require(first.json["delivery_id"] as? String))
                    }
                    for id in ids {
                        let delivery = try await world.waitForDelivery(serverA, id: id)
                        #expect(delivery["state"] as? String == "done")
                    }
                    let uploads = await world.play.uploads(of: TestWorld.packageName)
                    #expect(uploads.count == runs.count, "one upload per build, none twice")
                    #expect(Set(uploads.map(\.sha256)).count == runs.count)
                }
            }
        }
    }
}
