import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayQueue
import SlipwayCore
import SlipwayFakes
import SlipwayIntake
import SlipwayServer

/// `slipway demo`: everything on loopback fakes — the newcomer's first run.
///
/// Starts fakes of GitHub (API and artifact storage) and Google Play (OAuth token endpoint and
/// internal app sharing), writes a config pointing at them, runs a real Slipway server on a free
/// port with a SQLite file in a temporary folder, fires a signed `workflow_run` webhook for a PR,
/// and prints what a developer sees: the webhook answer, the commit status and the PR comment.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Slipway against loopback fakes of GitHub and Google Play and show what a developer sees.")

    @Flag(help: "Keep the temporary folder (config, SQLite file, log) and print its path.")
    var keep = false

    func run() async throws {
        var logger = Logger(label: "slipway.demo")
        logger.logLevel = .critical  // the demo prints outcomes itself; shutdown by cancellation is noisy at .error
        let repository = "acme/android-app"
        let sha = "9fceb02d0ae598e95dc970b74767f19372d61af8"
        let runID: Int64 = 31_337
        let token = "ghs_demo_\(UUID().uuidString.prefix(8))"
        let apiToken = "demo-\(UUID().uuidString.prefix(12))"
        let environment = [
            "GITHUB_TOKEN": token, "GITHUB_WEBHOOK_SECRET": "demo-webhook-secret", "SLIPWAY_API_TOKEN": apiToken,
        ]

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer {
            if keep { print("\nThe demo's files are in \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) }
        }

        step("Starting fakes of GitHub and Google Play on loopback")
        let account = try FakeServiceAccount()
        let play = FakeGooglePlay()
        await play.register(account)
        await play.addPackage("com.acme.android")
        let github = FakeGitHub(token: token)
        let apk = Self.demoAPK()
        await github.addRun(repository: repository, runID: runID, artifacts: ["app-debug": ["app-debug.apk": apk]])

        try await github.run { githubURL in
            try await play.run { playURL in
                try account.writeKeyFile(tokenURI: playURL + "/token", to: folder.appendingPathComponent("play-key.json"))
                let configPath = folder.appendingPathComponent("slipway.yml").path
                try Self.config(folder: folder, githubURL: githubURL, playURL: playURL, repository: repository)
                    .write(toFile: configPath, atomically: true, encoding: .utf8)
                print("   GitHub API:  \(githubURL)\n   Google Play: \(playURL)\n   config:      \(configPath)")

                let config = try ConfigLoader.load(path: configPath)
                var demoOptions = SlipwayRuntime.Options()
                demoOptions.workerPollInterval = .milliseconds(100)
                let options = demoOptions
                try await SlipwayRuntime.withRuntime(config: config, environment: environment, options: options, logger: logger) { runtime in
                    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await SlipwayHTTPServer.run(runtime: runtime, options: options, port: 0, handleSignals: false) {
                                continuation.yield($0)
                                continuation.finish()
                            }
                        }
                        var iterator = ports.makeAsyncIterator()
                        let server = "http://127.0.0.1:\(await iterator.next() ?? 0)"
                        step("Slipway is serving at \(server) (dashboard sign-in token: \(apiToken))")
                        print(Self.indent(Explain_explanation(config: config, repository: repository)))

                        step("GitHub Actions finished run \(runID) for PR #7; its webhook arrives at \(server)/webhooks/github")
                        let body = Self.webhookBody(repository: repository, runID: runID, sha: sha)
                        var request = HTTPClientRequest(url: server + "/webhooks/github")
                        request.method = .POST
                        request.headers.add(name: "content-type", value: "application/json")
                        request.headers.add(name: "x-github-event", value: "workflow_run")
                        request.headers.add(name: "x-github-delivery", value: UUID().uuidString)
                        request.headers.add(
                            name: "x-hub-signature-256",
                            value: WebhookSignature.gitHubSignature(body: body, secret: Secret("demo-webhook-secret")))
                        request.body = .bytes(ByteBuffer(bytes: body))
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                        let answer = String(buffer: try await response.body.collect(upTo: 1 << 16))
                        print("   HTTP \(response.status.code)\n" + Self.indent(answer))

                        step("The worker downloads the artifact once, uploads it to Play, and reports back")
                        let clock = ContinuousClock()
                        let deadline = clock.now.advanced(by: .seconds(60))
                        var finished = false
                        while clock.now < deadline, !finished {
                            let records = try await runtime.jobStore.recentDeliveries(limit: 1)
                            finished = records.first.map { [.done, .failed, .waiting].contains($0.state) } ?? false
                            if !finished { try await Task.sleep(for: .milliseconds(100)) }
                        }
                        let record = try await runtime.jobStore.recentDeliveries(limit: 1).first
                        print("   delivery \(record?.id ?? "?"): \(record?.state.rawValue ?? "unknown")")

                        step("Commit statuses GitHub shows on \(sha.prefix(7))")
                        for status in await github.statuses(repository: repository, sha: sha) {
                            print("   \(status.state.padding(toLength: 8, withPad: " ", startingAt: 0)) \(status.context) — \(status.description ?? "")")
                        }
                        step("The PR comment on #7 (one per build, edited in place as results change)")
                        for comment in await github.comments(repository: repository, issue: 7) {
                            print(Self.indent(comment.body))
                        }
                        step("Done. Next: write your own config (README.md), `slipway validate` it, and `slipway serve`.")
                        group.cancelAll()
                    }
                }
            }
        }
    }

    static func config(folder: URL, githubURL: String, playURL: String, repository: String) -> String {
        """
        version: 1
        server:
          database: sqlite:\(folder.path)/slipway.db
          data_dir: \(folder.path)/artifacts
          public_url: http://localhost:8080
          access:
            api_tokens: ["${SLIPWAY_API_TOKEN}"]
          outbound:
            # The fakes listen on loopback, which URLs named by webhooks may not reach unless allowed.
            allow_private_networks: [127.0.0.0/8]
        sources:
          github:
            webhook_secret: ${GITHUB_WEBHOOK_SECRET}
            token: ${GITHUB_TOKEN}
            api_url: \(githubURL)
        stores:
          play:
            type: google-play
            package_name: com.acme.android
            service_account: file:play-key.json
            api_url: \(playURL)
        notifications:
          github:
            type: github
        rules:
          - name: PR builds to Play internal app sharing
            repo: \(repository)
            events: [pull_request]
            artifact: "app-debug/**/*.apk"
            stores: [play]
        """
    }

    static func webhookBody(repository: String, runID: Int64, sha: String) -> Data {
        Data(
            """
            {"action":"completed","workflow_run":{"id":\(runID),"run_attempt":1,"event":"pull_request","status":"completed",
             "conclusion":"success","head_branch":"feature/login","head_sha":"\(sha)",
             "html_url":"https://github.com/\(repository)/actions/runs/\(runID)",
             "pull_requests":[{"number":7,"base":{"ref":"main","repo":{"id":1}}}],
             "head_commit":{"message":"Add the login screen","timestamp":"2026-11-22T10:00:00Z"}},
             "repository":{"id":1,"full_name":"\(repository)"}}
            """.utf8)
    }

    /// A few hundred kilobytes standing in for an APK.
    static func demoAPK() -> Data {
        var bytes = [UInt8](repeating: 0, count: 256 * 1024)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ 7) }
        bytes.replaceSubrange(0..<4, with: [0x50, 0x4B, 0x03, 0x04])
        return Data(bytes)
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "   │ " + $0 }.joined(separator: "\n")
    }
}

private func step(_ text: String) {
    print("\n▸ \(text)")
}

private func Explain_explanation(config: SlipwayConfig, repository: String) -> String {
    Explain.explanation(
        config: config,
        input: MatchInput(repository: repository, branch: "feature/login", trigger: .pullRequest, pullRequest: 7))
}

