import ArgumentParser
import Foundation
import SlipwayFakes

/// `slipway bench-fakes`: the Play fake and a file host in a process of their own, for
/// `scripts/bench_fanout.py` (not for users: hidden from help).
struct BenchFakes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-fakes",
        abstract: "Serve the Play fake and FOLDER/files for the fan-out benchmark (scripts/bench_fanout.py).",
        shouldDisplay: false)

    @Option(help: "Working folder: files/ is served, play.json, token and url are written.")
    var folder: String

    @Option(help: "Play packages the fake knows (com.slipway.bench1 … N).")
    var packages: Int = 5

    func run() async throws {
        let names = (1...max(1, packages)).map { "com.slipway.bench\($0)" }
        try await FakeGooglePlay.serveForBench(folder: URL(fileURLWithPath: folder), packages: names)
    }
}
