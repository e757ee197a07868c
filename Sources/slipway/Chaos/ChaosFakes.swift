import ArgumentParser
import Foundation

/// `slipway chaos-fakes`: the world of `scripts/chaos` in a process of its own, so the server can
/// be killed and restarted while the fakes keep what they received (not for users: hidden).
///
/// Writes into `--folder`: `slipway.yml`, `env.json` (the secrets the config names),
/// `play-key.json`, `apks/`, `webhooks/N.json`, and last `ready.json` (the fakes' URLs and the
/// control endpoint). Serves until killed.
struct ChaosFakes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos-fakes",
        abstract: "Serve the fakes of scripts/chaos (all five stores with injected faults, GitHub, Slack).",
        shouldDisplay: false)

    @Option(help: "Working folder for the config, the APKs, the webhooks and ready.json.")
    var folder: String

    @Option(help: "Deliveries to prepare (one APK and one webhook each).")
    var deliveries: Int = 100

    @Option(help: "Share of store requests that get a fault.")
    var faultRate: Double = 0.2

    @Option(help: "Seed of the fault draws.")
    var seed: UInt64 = 1

    @Option(help: "The port slipway serve will listen on (written into the config).")
    var serverPort: Int

    func run() async throws {
        let folder = URL(fileURLWithPath: self.folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = serverPort
        try await ChaosWorld.serve(folder: folder, count: max(1, deliveries), faultRate: faultRate, seed: seed) { urls, world in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try ChaosWorld.config(folder: folder, port: port, urls: urls)
                .write(to: folder.appendingPathComponent("slipway.yml"), atomically: true, encoding: .utf8)
            try encoder.encode(ChaosWorld.environment).write(to: folder.appendingPathComponent("env.json"))
            try encoder.encode(urls).write(to: folder.appendingPathComponent("ready.json"))
            FileHandle.standardError.write(Data("chaos fakes ready: \(urls["control"]!)\n".utf8))
        }
    }
}
