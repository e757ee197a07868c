import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import NIOPosix

/// The real `slipway` executable run as a child process, so a test can `kill -9` it mid-delivery
/// and start it again on the same database — a crash, not a polite shutdown.
final class SlipwayProcess: Sendable {
    let port: Int
    private let process: Process

    /// The built executable next to the test bundle (`.build/<config>/slipway`).
    static var executable: URL {
        var folder = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("slipway")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/slipway")
    }

    /// Starts `slipway serve` and waits until `/healthz` answers.
    init(arguments: [String], environment: [String: String], port: Int, logFile: URL) async throws {
        self.port = port
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--port", String(port)] + arguments
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]) { a, _ in a }
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            guard process.isRunning else {
                throw SlipwayProcessError.exited(log: (try? String(contentsOf: logFile, encoding: .utf8)) ?? "")
            }
            if let response = try? await HTTPClient.shared.get(url: "http://127.0.0.1:\(port)/healthz").get(),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw SlipwayProcessError.notReady
    }

    /// SIGKILL: no drain, no cleanup — what a crash or an OOM kill looks like.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait: the graceful path.
    func terminate() {
        process.terminate()
        process.waitUntilExit()
    }

    var isRunning: Bool { process.isRunning }

    /// SIGHUP: reload the config.
    func hangUp() {
        Foundation.kill(process.processIdentifier, SIGHUP)
    }

    /// SIGTERM without blocking a thread; true once the process exited within `timeout`.
    func terminate(within timeout: Duration) async throws -> Bool {
        Foundation.kill(process.processIdentifier, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while process.isRunning && clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }

    /// A port free right now on loopback (bound once and released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

enum SlipwayProcessError: Error, CustomStringConvertible {
    case exited(log: String)
    case notReady

    var description: String {
        switch self {
        case .exited(let log): "slipway exited before it was ready:\n\(log)"
        case .notReady: "slipway did not answer /healthz within 60 s"
        }
    }
}
