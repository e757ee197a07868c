import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore
import SlipwayFakes
import SlipwayIntake
import SlipwayStores

/// `slipway bench`: pushes a generated artifact of the given size through the real code paths —
/// sha256 while reading, then the Play client's upload (one request, or resumable chunks) to the
/// loopback fake — and prints throughput and the process's peak memory. Figures, not assertions:
/// the peak should stay near the chunk size whatever the file size, because nothing holds the
/// whole artifact in memory.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure artifact hashing and Play upload throughput against a loopback fake; print figures.")

    @Option(help: "Artifact size in MiB.")
    var sizeMib: Int = 256

    @Option(help: "Resumable chunk size in MiB (a multiple of 0.25).")
    var chunkMib: Int = 8

    @Option(help: "Play stores (packages on the fake) uploaded to at once, from the one file.")
    var stores: Int = 1

    func run() async throws {
        var logger = Logger(label: "slipway.bench")
        logger.logLevel = .critical
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let file = folder.appendingPathComponent("bench-release.apk")
        try Self.writeFile(file, mebibytes: sizeMib)
        let bytes = Double(sizeMib) * 1_048_576
        print("artifact: \(sizeMib) MiB, peak RSS after writing it: \(Self.peakRSS())")

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let fetcher = ArtifactFetcher(httpClient: client, gitHubAPIURL: "http://127.0.0.1", gitHubToken: nil, allowedHosts: [], logger: logger)
        let clock = ContinuousClock()
        var artifact: Artifact?
        let hashTime = try await clock.measure {
            artifact = try await fetcher.fetch(
                .localFile(file.path), selecting: ArtifactSelector(pattern: try Glob("**/*.apk"), kind: .apk), into: folder)
        }
        print(String(format: "sha256 while streaming: %.0f MiB/s (%@)", bytes / 1_048_576 / Self.seconds(hashTime), "\(hashTime)"))

        let account = try FakeServiceAccount()
        let play = FakeGooglePlay()
        await play.register(account)
        let packages = (1...max(1, stores)).map { "com.slipway.bench\($0)" }
        for package in packages { await play.addPackage(package) }
        let chunk = chunkMib
        let size = sizeMib
        try await play.run { base in
            let key = try account.writeKeyFile(tokenURI: base + "/token", to: folder.appendingPathComponent("key.json"))
            let event = BuildEvent(
                provider: .generic, repository: "bench/app", branch: "main", sha: "0", trigger: .push,
                conclusion: .success, buildID: "bench", artifactSource: .localFile(file.path))
            let uploaded = artifact!
            let quiet = logger
            for (label, threshold) in [("one request", Int64(size) * 1_048_576 + 1), ("resumable, \(chunk) MiB chunks", 0)] {
                let uploaders = try packages.map { package in
                    let settings = GooglePlaySettings(
                        packageName: package, serviceAccount: .file(key.path), apiURL: base,
                        resumableThresholdBytes: threshold, chunkBytes: chunk * 1_048_576)
                    return try StoreUploaders.make(
                        StoreDefinition(name: "play", line: 1, settings: .googlePlay(settings)), environment: [:],
                        baseDirectory: folder, httpClient: client, logger: logger)
                }
                let time = try await clock.measure {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for uploader in uploaders {
                            group.addTask { _ = try await uploader.deliver(uploaded, for: event, logger: quiet) }
                        }
                        try await group.waitForAll()
                    }
                }
                print(String(
                    format: "Play upload (%@) to %d store(s) at once: %.0f MiB/s per store (%@), peak RSS so far %@", label,
                    uploaders.count, bytes / 1_048_576 / Self.seconds(time), "\(time)", Self.peakRSS()))
            }
        }
        print("peak RSS of the whole process (client and fake server together): \(Self.peakRSS())")
        try await client.shutdown()
    }

    static func writeFile(_ url: URL, mebibytes: Int) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var block = [UInt8](repeating: 0, count: 1_048_576)
        var x: UInt32 = 2_463_534_242
        for _ in 0..<mebibytes {
            for i in block.indices {
                x ^= x << 13
                x ^= x >> 17
                x ^= x << 5
                block[i] = UInt8(truncatingIfNeeded: x)
            }
            try handle.write(contentsOf: block)
        }
    }

    /// `VmHWM` from /proc/self/status (Linux): the most resident memory the process has used.
    static func peakRSS() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return "unknown" }
        let kilobytes = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? 0
        return String(format: "%.0f MiB", kilobytes / 1024)
    }

    static func seconds(_ duration: Duration) -> Double { duration.timeInterval }
}
