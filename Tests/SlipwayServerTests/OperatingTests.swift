import Foundation
import SlipwayFakes
import Testing

/// Issue 14 through the real `slipway serve` process: SIGHUP reloads (logged as JSON lines with
/// `--log-format json`), a refused reload logs the file's lines, download folders a killed
/// delivery left are removed at start, and a data_dir another live process holds is refused.
@Suite("Operating the server process")
struct OperatingTests {
    /// Runs `body`, then stops the server with SIGTERM without blocking a thread of the shared pool
    /// (a blocking wait there starves the other tests' servers), also when `body` throws.
    func stopping(_ server: SlipwayProcess, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            _ = try? await server.terminate(within: .seconds(30))
            throw error
        }
        #expect(try await server.terminate(within: .seconds(30)), "serve exits on SIGTERM")
    }

    /// The JSON objects the process logged so far.
    func logLines(_ file: URL) -> [[String: Any]] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func sighupReloadsAndABadFileIsRefusedWithItsLinesInTheLog() async throws {
        try await TestWorld.with { world in
            let port = try await SlipwayProcess.freePort()
            let log = world.folder.appendingPathComponent("slipway.log")
            let server = try await SlipwayProcess(
                arguments: ["--config", world.configPath, "--log-format", "json", "--log-level", "info"],
                environment: world.environment, port: port, logFile: log)
            let url = "http://127.0.0.1:\(port)"
            try await stopping(server) {
                let lines = logLines(log)
                #expect(!lines.isEmpty && lines.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })

                let original = try String(contentsOfFile: world.configPath, encoding: .utf8)
                try original.replacingOccurrences(of: "branches: [main]", with: "branches: [develop]")
                    .write(toFile: world.configPath, atomically: true, encoding: .utf8)
                server.hangUp()
                try await waitUntil("the reload is logged") { logLines(log).contains { $0["message"] as? String == "config reloaded" } }
                await world.artifacts.add(path: "/builds/hup/app-release.apk", data: TestWorld.fakeAPK(seed: 70))
                let ignored = try await world.postGeneric(url, artifactURL: world.artifactsURL + "/builds/hup/app-release.apk", runID: "hup-1")
                #expect(ignored.json["status"] as? String == "ignored")

                try original.replacingOccurrences(of: "stores: [play, applivery]", with: "stores: [play, nowhere]")
                    .write(toFile: world.configPath, atomically: true, encoding: .utf8)
                server.hangUp()
                try await waitUntil("the refusal is logged") {
                    logLines(log).contains { $0["message"] as? String == "config reload refused; the running config stays" }
                }
                let errors = logLines(log).compactMap { $0["level"] as? String == "error" ? $0["message"] as? String : nil }
                #expect(errors.contains { $0.hasPrefix(world.configPath + ":") && $0.contains("\"nowhere\"") }, "\(errors)")
                // Still the reloaded config: main is routed nowhere.
                let still = try await world.postGeneric(url, artifactURL: world.artifactsURL + "/builds/hup/app-release.apk", runID: "hup-2")
                #expect(still.json["status"] as? String == "ignored")
            }
        }
    }

    @Test func foldersAKilledDeliveryLeftAreRemovedAtStartAndNothingElse() async throws {
        try await TestWorld.with { world in
            let data = world.folder.appendingPathComponent("data")
            let leftover = data.appendingPathComponent("dlv_left/job-7-claim-2")
            try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
            try Data(repeating: 1, count: 4096).write(to: leftover.appendingPathComponent("app-release.apk"))
            try Data("mine".utf8).write(to: data.appendingPathComponent("notes.txt"))
            try FileManager.default.createDirectory(at: data.appendingPathComponent("operator-folder"), withIntermediateDirectories: true)

            let port = try await SlipwayProcess.freePort()
            let log = world.folder.appendingPathComponent("slipway.log")
            let server = try await SlipwayProcess(
                arguments: ["--config", world.configPath], environment: world.environment, port: port, logFile: log)
            try await stopping(server) {
                #expect(!FileManager.default.fileExists(atPath: leftover.path))
                #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("dlv_left").path))
                #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("notes.txt").path))
                #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("operator-folder").path))

                // A second process on the same data_dir is refused, saying why.
                let other = try await CommandLineTests().slipwayOffThePool(
                    ["serve", "--config", world.configPath, "--port", "0"], environment: world.environment)
                #expect(other.status == 1)
                #expect(other.errors.contains("server.data_dir \(data.path) is in use by another running Slipway"), "\(other.errors)")
                #expect(server.isRunning)
            }
        }
    }
}
