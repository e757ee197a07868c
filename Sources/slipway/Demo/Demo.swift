import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SlipwayCore
import SlipwayFakes
import SlipwayIntake
import SlipwayQueue
import SlipwayServer

/// `slipway demo`: the whole mission on loopback fakes — the newcomer's first run.
///
/// Starts fakes of GitHub, Google Play, Applivery, Product Science, Digital Turbine Ignite, Amazon
/// Appstore and Slack, writes a config routing a PR build to all five stores, runs a real Slipway
/// server on SQLite in a temporary folder, fires a signed `workflow_run` webhook, and prints each
/// store's result as it arrives, then the commit statuses, the PR comment and the Slack message.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Slipway against loopback fakes of GitHub, the five stores and Slack, and show what a developer sees.")

    @Flag(help: "Keep the temporary folder (config, SQLite file) and print its path.")
    var keep = false

    @Flag(help: "Keep everything running afterwards and print the dashboard's address, until Ctrl-C.")
    var serve = false

    func run() async throws {
        var logger = Logger(label: "slipway.demo")
        logger.logLevel = .critical  // the demo prints outcomes itself; shutdown by cancellation is noisy at .error
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            if keep { say("\nThe demo's files are in \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) }
        }
        let environment = DemoWorld.environment
        let serve = self.serve

        step("Starting loopback fakes of GitHub, the five stores and Slack")
        try await DemoWorld.with(folder: folder) { world in
            for (name, url) in world.urls.sorted(by: { $0.key < $1.key }) {
                say("   \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(url)")
            }
            let port = try Self.freePort()
            let configPath = folder.appendingPathComponent("slipway.yml").path
            try world.config(folder: folder, port: port).write(toFile: configPath, atomically: true, encoding: .utf8)
            say("   config           \(configPath)")
            let config = try ConfigLoader.load(path: configPath)
            var demoOptions = SlipwayRuntime.Options()
            demoOptions.workerPollInterval = .milliseconds(100)
            let options = demoOptions
            let server = "http://127.0.0.1:\(port)"
            try await SlipwayRuntime.withRuntime(config: config, environment: environment, options: options, logger: logger) {
                runtime in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
                    group.addTask {
                        try await SlipwayHTTPServer.run(runtime: runtime, options: options, handleSignals: serve) { _ in
                            readyContinuation.yield()
                            readyContinuation.finish()
                        }
                    }
                    for await _ in ready { break }
                    step("Slipway is serving at \(server)")
                    say(Self.indent(Explain.explanation(
                        config: config,
                        input: MatchInput(repository: DemoWorld.repository, branch: "feature/login", trigger: .pullRequest, pullRequest: 7))))

                    step("GitHub Actions finished run \(DemoWorld.runID) for PR #7; its webhook arrives at \(server)/webhooks/github")
                    let (status, answer) = try await Self.postWebhook(to: server)
                    say("   HTTP \(status)\n" + Self.indent(answer))
                    guard let id = (try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])?["delivery_id"] as? String
                    else { throw ValidationError("the demo's webhook was not accepted") }

                    step("One download, five uploads; results as they arrive (waiting stores are checked again every second or two)")
                    var progress = DemoProgress(jobStore: runtime.jobStore, deliveryID: id)
                    let record = try await progress.follow(timeout: .seconds(60))
                    say("   delivery \(id): \(record?.state.rawValue ?? "unknown")")

                    step("Commit statuses GitHub shows on \(DemoWorld.sha.prefix(7))")
                    for status in await world.github.statuses(repository: DemoWorld.repository, sha: DemoWorld.sha) {
                        say("   \(status.state.padding(toLength: 8, withPad: " ", startingAt: 0)) \(status.context) — \(status.description ?? "")")
                    }
                    step("The PR comment on #7 (one per build, edited in place as results change)")
                    for comment in await world.github.comments(repository: DemoWorld.repository, issue: 7) {
                        say(Self.indent(comment.body))
                    }
                    step("The Slack message in #releases (one per build, updated in place)")
                    for message in await world.slack.messages {
                        say("   \(message.text) (updated \(message.updates) times)")
                    }
                    if serve {
                        step("Still running. Dashboard: \(server)/ — sign in with the token \(environment["SLIPWAY_API_TOKEN"]!). Ctrl-C stops.")
                        try await group.next()
                    } else {
                        step("Done. Next: `slipway demo --serve` to look around the dashboard; then write your own config (README.md), `slipway validate` it, and `slipway serve`.")
                    }
                    group.cancelAll()
                }
            }
        }
    }

    static func postWebhook(to server: String) async throws -> (Int, String) {
        let body = DemoWorld.webhookBody()
        var request = HTTPClientRequest(url: server + "/webhooks/github")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-github-event", value: "workflow_run")
        request.headers.add(name: "x-github-delivery", value: UUID().uuidString)
        request.headers.add(
            name: "x-hub-signature-256",
            value: WebhookSignature.gitHubSignature(body: body, secret: Secret(DemoWorld.environment["GITHUB_WEBHOOK_SECRET"]!)))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 16)))
    }

    /// A loopback port nothing listens on: the dashboard links the demo prints must work, so the
    /// config names the real port rather than 0.
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress?.port ?? 0
        try channel.close().wait()
        return port
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "   │ " + $0 }.joined(separator: "\n")
    }
}

private func step(_ text: String) {
    say("\n▸ \(text)")
}

/// Prints a line at once, unbuffered, so a pipe or a file sees each result as it happens.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
