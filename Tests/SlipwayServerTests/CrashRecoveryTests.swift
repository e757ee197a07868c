import AsyncHTTPClient
import Foundation
import NIOCore
import SlipwayFakes
import Testing

/// Accepted work survives a crash: the real `slipway` binary is killed with SIGKILL mid-delivery
/// and started again on the same SQLite file.
@Suite("Crash and restart", .serialized)
struct CrashRecoveryTests {
    @Test func aKillDuringTheUploadResumesAfterRestartAndUploadsOnce() async throws {
        try await TestWorld.with(resumableChunks: true) { world in
            // Four 256 KiB chunks: session start, chunk 1 pass; chunk 2 hangs, and the kill lands
            // while Play holds half a file. (A kill after Play had every byte is the at-least-once
            // window docs/notes.md describes; the two-store test covers results already recorded.)
            let apk = TestWorld.fakeAPK(size: 4 * 262_144, seed: 11)
            let runID = await world.addRun(apk: apk)
            await world.play.enqueue(.pass, .pass, .delay(.seconds(30)))
            let port = try await SlipwayProcess.freePort()
            let log = world.folder.appendingPathComponent("slipway.log")
            let arguments = ["--config", world.configPath, "--lease-seconds", "2", "--log-level", "info"]

            let first = try await SlipwayProcess(arguments: arguments, environment: world.environment, port: port, logFile: log)
            let server = "http://127.0.0.1:\(port)"
            let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 12))
            #expect(reply.status == 202)
            let id = try #require(reply.json["delivery_id"] as? String)

            // Wait until the store upload is under way, then crash.
            try await Self.waitUntilPlayIsUploading(world, server, id)
            first.kill()
            #expect(await world.play.uploads(of: TestWorld.packageName).isEmpty, "the crash came before Play finished")

            let second = try await SlipwayProcess(arguments: arguments, environment: world.environment, port: port, logFile: log)
            defer { second.terminate() }
            let delivery = try await world.waitForDelivery(server, id: id)
            #expect(delivery["state"] as? String == "done")
            let uploads = await world.play.uploads(of: TestWorld.packageName)
            #expect(uploads.count == 1)
            #expect(uploads.first?.sha256 == TestWorld.sha256Hex(apk))
            let comments = await world.github.comments(repository: TestWorld.repository, issue: 12)
            #expect(comments.count == 1)
            #expect(comments.first?.body.contains(uploads.first?.downloadURL ?? "<none>") == true)
        }
    }
}

extension CrashRecoveryTests {
    /// Until the delivery's Play upload runs and Play has seen at least two requests (30 s at most).
    static func waitUntilPlayIsUploading(_ world: TestWorld, _ server: String, _ id: String) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        while clock.now < deadline {
            let stores = try await world.getJSON("\(server)/api/deliveries/\(id)").json["stores"] as? [[String: Any]] ?? []
            if stores.first?["state"] as? String == "running", await world.play.requests.count >= 2 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aKillAfterOneStoreFinishedNeverUploadsToThatStoreAgain() async throws {
        try await TestWorld.with(twoStores: true) { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 12))
            // Whichever store's upload arrives first hangs; the other one completes.
            await world.play.enqueue(.delay(.seconds(30)))
            let port = try await SlipwayProcess.freePort()
            let log = world.folder.appendingPathComponent("slipway.log")
            let arguments = ["--config", world.configPath, "--lease-seconds", "2"]
            let first = try await SlipwayProcess(arguments: arguments, environment: world.environment, port: port, logFile: log)
            let server = "http://127.0.0.1:\(port)"
            let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 13))
            let id = try #require(reply.json["delivery_id"] as? String)

            // Wait until one store's result is recorded as succeeded, then crash.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(30))
            var finished: String?
            while clock.now < deadline, finished == nil {
                let stores = try await world.getJSON("\(server)/api/deliveries/\(id)").json["stores"] as? [[String: Any]] ?? []
                finished = stores.first { $0["state"] as? String == "succeeded" }?["store"] as? String
                try await Task.sleep(for: .milliseconds(50))
            }
            first.kill()
            #expect(finished != nil)
            #expect(await world.play.uploads.count == 1)

            let second = try await SlipwayProcess(arguments: arguments, environment: world.environment, port: port, logFile: log)
            defer { second.terminate() }
            let delivery = try await world.waitForDelivery(server, id: id)
            #expect(delivery["state"] as? String == "done")
            #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
            #expect(await world.play.uploads(of: TestWorld.betaPackageName).count == 1)
        }
    }
}

extension CrashRecoveryTests {
    /// Group commit under a crash: the server is killed in the middle of a burst of webhooks; every
    /// webhook that was answered 202 is in the database after the restart.
    @Test func aKillInTheMiddleOfABurstLosesNoWebhookThatWasAnswered202() async throws {
        try await TestWorld.with { world in
            let port = try await SlipwayProcess.freePort()
            let log = world.folder.appendingPathComponent("slipway.log")
            let arguments = ["--config", world.configPath, "--log-level", "error"]
            let first = try await SlipwayProcess(arguments: arguments, environment: world.environment, port: port, logFile: log)
            let server = "http://127.0.0.1:\(port)"
            // Its own client: 16 connections, and a refused connection fails at once once the server is gone.
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2), read: .seconds(10)))
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            defer { _ = client.shutdown() }
            let answered = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        let body = TestWorld.workflowRunBody(runID: 90_000 + Int64(index), pr: nil, branch: "feature/burst-\(index)")
                        guard let reply = try? await world.postGitHub(server, body: body, client: client), reply.status == 202 else {
                            return nil
                        }
                        return reply.json["delivery_id"] as? String
                    }
                }
                var ids: [String] = []
                var killed = false
                for try await id in group {
                    if let id { ids.append(id) }
                    if ids.count == 60 && !killed {
                        first.kill()
                        killed = true
                    }
                }
                return ids
            }
            #expect(answered.count >= 60)
            #expect(answered.count < 300, "the kill landed in the middle of the burst")

            let second = try await SlipwayProcess(arguments: arguments, environment: world.environment, port: port, logFile: log)
            defer { second.terminate() }
            var missing: [String] = []
            for id in answered where try await world.getJSON("\(server)/api/deliveries/\(id)").status != 200 {
                missing.append(id)
            }
            #expect(missing.isEmpty, "answered 202 but lost: \(missing)")
        }
    }
}

extension CrashRecoveryTests {
    /// SIGTERM with an upload that would outlast the drain: after `shutdown_grace_seconds` the
    /// server abandons it and exits; the next start resumes the resumable session and uploads once.
    @Test func aDrainLongerThanTheGraceAbandonsTheUploadAndTheNextStartFinishesIt() async throws {
        try await TestWorld.with(resumableChunks: true, serverExtra: TestWorld.defaultAccess + "\n  shutdown_grace_seconds: 1") { world in
            let apk = TestWorld.fakeAPK(size: 4 * 262_144, seed: 13)
            let runID = await world.addRun(apk: apk)
            await world.play.enqueue(.pass, .pass, .delay(.seconds(60)))
            let port = try await SlipwayProcess.freePort()
            let log = world.folder.appendingPathComponent("slipway.log")
            let arguments = ["--config", world.configPath, "--log-level", "info"]
            let first = try await SlipwayProcess(arguments: arguments, environment: world.environment, port: port, logFile: log)
            let server = "http://127.0.0.1:\(port)"
            let reply = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 14))
            let id = try #require(reply.json["delivery_id"] as? String)
            // Until chunk 2 (which hangs) is on its way.
            try await Self.waitUntilPlayIsUploading(world, server, id)
            try await Task.sleep(for: .milliseconds(200))

            #expect(try await first.terminate(within: .seconds(20)), "the drain is bounded: the process exits")
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(text.contains("abandoning the running jobs"), "the log says why")
            #expect(await world.play.uploads(of: TestWorld.packageName).isEmpty)

            let second = try await SlipwayProcess(arguments: arguments, environment: world.environment, port: port, logFile: log)
            defer { second.terminate() }
            let delivery = try await world.waitForDelivery(server, id: id)
            #expect(delivery["state"] as? String == "done")
            let uploads = await world.play.uploads(of: TestWorld.packageName)
            #expect(uploads.count == 1)
            #expect(uploads.first?.sha256 == TestWorld.sha256Hex(apk))
        }
    }
}
