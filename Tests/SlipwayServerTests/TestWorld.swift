import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import SlipwayCore
import SlipwayFakes
import SlipwayIntake
import SlipwayServer
import SlipwayStores
import Testing
import _CryptoExtras

/// Fakes of GitHub (API + artifact blob host) and Google Play on loopback, plus a config file that
/// points Slipway at them: the whole outside world of one end-to-end test.
struct TestWorld: Sendable {
    let github: FakeGitHub
    let githubURL: String
    let play: FakeGooglePlay
    let playURL: String
    let artifacts: FakeArtifactHost
    let artifactsURL: String
    let applivery: FakeApplivery
    let appliveryURL: String
    let gitlab: FakeGitLab
    let slack: FakeSlack
    let folder: URL
    let configPath: String
    /// Secrets the `extra` config sections name, beside the world's own.
    var extraEnvironment: [String: String] = [:]

    static let repository = "acme/app"
    static let packageName = "com.acme.app"
    static let gitHubToken = "ghs_test_token_0123456789"
    static let webhookSecret = "gh-webhook-secret"
    static let genericSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let appliveryToken = "applivery-app-token-0123456789"
    static let gitlabWebhookToken = "gitlab-hook-token-42"
    static let gitlabToken = "glpat-test-token-0123"
    static let slackToken = "xoxb-test-token-0123"
    /// The API token the tests read the dashboard, API and metrics with.
    static let apiToken = "slipway-api-token-for-tests"
    static let oauthSecret = "oauth-client-secret-for-tests"

    var environment: [String: String] {
        [
            "GITHUB_TOKEN": Self.gitHubToken, "GITHUB_WEBHOOK_SECRET": Self.webhookSecret,
            "SLIPWAY_GENERIC_SECRET": Self.genericSecret, "APPLIVERY_APP_TOKEN": Self.appliveryToken,
            "GITLAB_WEBHOOK_TOKEN": Self.gitlabWebhookToken, "GITLAB_TOKEN": Self.gitlabToken, "SLACK_BOT_TOKEN": Self.slackToken,
            "SLIPWAY_API_TOKEN": Self.apiToken, "GITHUB_OAUTH_SECRET": Self.oauthSecret,
        ].merging(extraEnvironment) { $1 }
    }

    /// Config added to the world's own, each section's lines indented as under its key (2 spaces).
    struct Extra: Sendable {
        var sources = ""
        var notifications = ""
        var rules = ""
        /// Top-level sections after `rules:` (`repo_rules:`), unindented.
        var topLevel = ""
        var environment: [String: String] = [:]
    }

    /// One service account for the whole test process: RSA key generation is slow.
    static let account: FakeServiceAccount = try! FakeServiceAccount()

    static let betaPackageName = "com.acme.app.beta"

    /// - Parameter twoStores: adds a second Play store (`play-beta`, another package) to the rule.
    /// - Parameter resumableChunks: Play uploads of 256 KiB and more use the resumable protocol in
    ///   256 KiB chunks (so a test can interrupt an upload between chunks).
    /// - Parameter database: the job store URL (default: a SQLite file in the test's folder).
    /// The `server:` lines about access and outbound fetching most tests run with: the test API
    /// token, and loopback (where every fake listens) allowed.
    static let defaultAccess = """
          access:
            api_tokens: ["${SLIPWAY_API_TOKEN}"]
          outbound:
            allow_private_networks: [127.0.0.0/8]
        """

    /// - Parameter serverExtra: lines under `server:` (2-space indent) in place of `defaultAccess`.
    /// The GitHub App `githubApp: true` worlds authenticate as (key made once: RSA generation is slow).
    static let appKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let appBotLogin = "slipway-test[bot]"

    /// - Parameter githubApp: authenticate to GitHub as an App (JWT → installation tokens), not with a token.
    static func with<T: Sendable>(
        twoStores: Bool = false, resumableChunks: Bool = false, playMediaOnly: Bool = false, database: String? = nil,
        serverExtra: String = TestWorld.defaultAccess, githubApp: Bool = false, extra: Extra = Extra(),
        body: (TestWorld) async throws -> T
    ) async throws -> T {
        let github = githubApp ? FakeGitHub(token: "static-token-not-used", login: appBotLogin) : FakeGitHub(token: gitHubToken)
        if githubApp {
            await github.enableApp(FakeGitHubApp(id: 12345, publicKey: appKey.publicKey, slug: "slipway-test", installationID: 777))
        }
        let play = FakeGooglePlay()
        await play.register(account)
        await play.addPackage(packageName)
        await play.addPackage(betaPackageName)
        let artifacts = FakeArtifactHost()
        let applivery = FakeApplivery(appToken: appliveryToken)
        let gitlab = FakeGitLab(token: gitlabToken)
        let slack = FakeSlack(token: slackToken)
        return try await gitlab.run { gitlabURL in try await slack.run { slackURL in
        try await applivery.run { appliveryURL in try await github.run { githubURL in
            try await play.run { playURL in
                try await artifacts.run { artifactsURL in
                    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-e2e-\(UUID().uuidString)")
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    defer { try? FileManager.default.removeItem(at: folder) }
                    _ = try account.writeKeyFile(tokenURI: playURL + "/token", to: folder.appendingPathComponent("play.json"))
                    try appKey.pemRepresentation.write(to: folder.appendingPathComponent("app.pem"), atomically: true, encoding: .utf8)
                    let gitHubAuth = githubApp ? "app:\n      app_id: 12345\n      private_key: file:app.pem" : "token: ${GITHUB_TOKEN}"
                    let config = """
                        version: 1
                        server:
                          database: \(database ?? "sqlite:\(folder.path)/slipway.db")
                          data_dir: \(folder.path)/data
                          public_url: http://slipway.test
                          max_webhook_bytes: 4096
                          templates: \(repositoryRoot.appendingPathComponent("templates").path)
                        \(serverExtra)
                        sources:
                          github:
                            webhook_secret: ${GITHUB_WEBHOOK_SECRET}
                            \(gitHubAuth)
                            api_url: \(githubURL)
                          generic:
                            secret: ${SLIPWAY_GENERIC_SECRET}
                          gitlab:
                            webhook_token: ${GITLAB_WEBHOOK_TOKEN}
                            token: ${GITLAB_TOKEN}
                            api_url: \(gitlabURL)
                        \(extra.sources)
                        stores:
                          play:
                            type: google-play
                            package_name: \(packageName)
                            service_account: file:play.json
                            api_url: \(playURL)\(resumableChunks ? "\n    resumable_threshold_bytes: 262144\n    chunk_bytes: 262144" : "")\(playMediaOnly ? "\n    resumable_threshold_bytes: 1073741824" : "")
                          applivery:
                            type: applivery
                            app_token: ${APPLIVERY_APP_TOKEN}
                            organization: acme
                            upload_url: \(appliveryURL)/upload
                            api_url: \(appliveryURL)/api
                            download_url: \(appliveryURL)/download
                          play-beta:
                            type: google-play
                            package_name: \(betaPackageName)
                            service_account: file:play.json
                            api_url: \(playURL)
                        notifications:
                          github:
                            type: github
                          team-chat:
                            type: slack
                            token: ${SLACK_BOT_TOKEN}
                            channel: C0RELEASES
                            api_url: \(slackURL)/api
                        \(extra.notifications)
                        rules:
                          - name: PR builds to Play
                            repo: \(repository)
                            branches: ["feature/*"]
                            events: [push, pull_request]
                            artifact: "app-debug/**/*.apk"
                            stores: [\(twoStores ? "play, play-beta" : "play")]
                          - name: main pushes to Play
                            repo: \(repository)
                            branches: [main]
                            events: [push]
                            artifact: "**/*-release.apk"
                            stores: [play, applivery]
                        \(extra.rules)
                        \(extra.topLevel)
                        """
                    let configPath = folder.appendingPathComponent("slipway.yml").path
                    try config.write(toFile: configPath, atomically: true, encoding: .utf8)
                    let world = TestWorld(
                        github: github, githubURL: githubURL, play: play, playURL: playURL, artifacts: artifacts,
                        artifactsURL: artifactsURL, applivery: applivery, appliveryURL: appliveryURL, gitlab: gitlab,
                        slack: slack, folder: folder, configPath: configPath, extraEnvironment: extra.environment)
                    return try await body(world)
                }
            }
        } } } }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs a real Slipway server (same runtime and routes as `slipway serve`) on a free port.
    /// - Parameter logger: the server's logger (default: warnings and worse to stderr).
    func withServer<T: Sendable>(
        options: SlipwayRuntime.Options = .fast, logger: Logger? = nil, body: (String) async throws -> T
    ) async throws -> T {
        try await withServers(options: options, logger: logger) { server, _ in try await body(server) }
    }

    /// Like `withServer`, also handing over the admin listener's URL when the config has
    /// `server.admin_listen` (its port is replaced by a free one).
    func withServers<T: Sendable>(
        options: SlipwayRuntime.Options = .fast, logger: Logger? = nil, body: (String, String?) async throws -> T
    ) async throws -> T {
        let config = try ConfigLoader.load(path: configPath)
        var configured = options
        configured.configFile = options.configFile ?? configPath
        let serverOptions = configured
        let logger = logger ?? {
            var logger = Logger(label: "slipway.test")
            logger.logLevel = .warning
            return logger
        }()
        return try await SlipwayRuntime.withRuntime(config: config, environment: environment, options: serverOptions, logger: logger) { runtime in
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            let (adminPorts, adminContinuation) = AsyncStream.makeStream(of: Int.self)
            let hasAdmin = config.server.adminListen != nil
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await SlipwayHTTPServer.run(
                        runtime: runtime, options: serverOptions, port: 0, adminPort: 0, handleSignals: false,
                        onListening: { port in
                            continuation.yield(port)
                            continuation.finish()
                        },
                        onAdminListening: { port in
                            adminContinuation.yield(port)
                            adminContinuation.finish()
                        })
                }
                var iterator = ports.makeAsyncIterator()
                let port = await iterator.next() ?? 0
                var adminURL: String?
                if hasAdmin {
                    var adminIterator = adminPorts.makeAsyncIterator()
                    adminURL = "http://127.0.0.1:\(await adminIterator.next() ?? 0)"
                }
                do {
                    let result = try await body("http://127.0.0.1:\(port)", adminURL)
                    group.cancelAll()
                    return result
                } catch {
                    group.cancelAll()
                    throw error
                }
            }
        }
    }

    /// The runtime `slipway serve` and `slipway reconcile` build from the config, without a listener.
    func withRuntime<T: Sendable>(
        database: String? = nil, options: SlipwayRuntime.Options = .fast, body: (SlipwayRuntime) async throws -> T
    ) async throws -> T {
        var config = try ConfigLoader.load(path: configPath)
        if let database { config.server.database = database }
        var logger = Logger(label: "slipway.test")
        logger.logLevel = .warning
        return try await SlipwayRuntime.withRuntime(config: config, environment: environment, options: options, logger: logger, body: body)
    }

    /// Looks the deliveries up through the API until one has `source` (within `timeout`).
    func waitForDelivery(_ server: String, source: String, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            let (_, json) = try await getJSON("\(server)/api/deliveries")
            if let found = (json["deliveries"] as? [[String: Any]] ?? []).first(where: { $0["source"] as? String == source }) {
                return found
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("no delivery with source \(source) appeared in time")
        return [:]
    }

    // MARK: building webhooks

    /// Puts a run with an `app-debug` artifact holding `apk` on the fake GitHub; returns its id.
    func addRun(apk: Data, runID: Int64 = 4242) async -> Int64 {
        await github.addRun(repository: Self.repository, runID: runID, artifacts: ["app-debug": ["app-debug.apk": apk, "mapping.txt": Data("map".utf8)]])
        return runID
    }

    static func workflowRunBody(runID: Int64, pr: Int?, branch: String = "feature/login", sha: String = "3484a3fb816e0859fd6e1cea078d76385ff50625", conclusion: String = "success", base: String = "main") -> Data {
        let prs = pr.map { #"[{"number":\#($0),"base":{"ref":"\#(base)","repo":{"id":77}}}]"# } ?? "[]"
        return Data(
            """
            {"action":"completed","workflow_run":{"id":\(runID),"run_attempt":1,"event":"\(pr == nil ? "push" : "pull_request")",
             "status":"completed","conclusion":"\(conclusion)","head_branch":"\(branch)","head_sha":"\(sha)",
             "html_url":"https://github.com/\(repository)/actions/runs/\(runID)","pull_requests":\(prs),
             "head_commit":{"message":"Add login screen","timestamp":"2026-11-22T10:00:00Z"}},
             "repository":{"id":77,"full_name":"\(repository)"}}
            """.utf8)
    }

    /// POSTs a GitHub webhook, signed with `secret` (the right one by default).
    /// - Parameter client: the client to send with (default: the shared one).
    func postGitHub(_ server: String, body: Data, delivery: String = UUID().uuidString, event: String = "workflow_run", secret: String = TestWorld.webhookSecret, client: HTTPClient = .shared) async throws -> (status: Int, json: [String: Any]) {
        var request = HTTPClientRequest(url: server + "/webhooks/github")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-github-event", value: event)
        request.headers.add(name: "x-github-delivery", value: delivery)
        request.headers.add(name: "x-hub-signature-256", value: WebhookSignature.gitHubSignature(body: body, secret: Secret(secret)))
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request, client: client)
    }

    /// POSTs a generic hook signed the Standard Webhooks way at `timestamp`.
    /// - Parameter sha256: sent as `artifact_sha256`.
    /// - Parameter headers: sent besides the hook's own (a CI's `traceparent`).
    func postGeneric(
        _ server: String, artifactURL: String, id: String = UUID().uuidString, timestamp: Date = Date(), runID: String = "g-1",
        sha256: String? = nil, headers: [String: String] = [:]
    ) async throws -> (status: Int, json: [String: Any]) {
        let digest = sha256.map { #","artifact_sha256":"\#($0)""# } ?? ""
        let body = Data(
            #"{"type":"build.finished","data":{"repository":"\#(Self.repository)","branch":"main","sha":"aaaabbbbccccddddeeeeffff0000111122223333","run_id":"\#(runID)","artifact_url":"\#(artifactURL)"\#(digest)}}"#.utf8)
        let ts = Int64(timestamp.timeIntervalSince1970)
        var request = HTTPClientRequest(url: server + "/webhooks/generic")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(ts))
        request.headers.add(name: "webhook-signature", value: WebhookSignature.standardWebhookSignature(id: id, timestamp: ts, body: body, secret: Secret(Self.genericSecret)))
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request)
    }

    func send(_ request: HTTPClientRequest, client: HTTPClient = .shared) async throws -> (status: Int, json: [String: Any]) {
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        return (Int(response.status.code), json)
    }

    /// GETs a protected page of the server with the test API token.
    func sendText(_ url: String) async throws -> (status: Int, text: String) {
        let response = try await HTTPClient.shared.execute(Self.authorized(url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    func getJSON(_ url: String) async throws -> (status: Int, json: [String: Any]) {
        try await send(Self.authorized(url))
    }

    static func authorized(_ url: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(apiToken)")
        return request
    }

    /// Polls the delivery API until the delivery reaches a final state (done, failed, waiting).
    func waitForDelivery(_ server: String, id: String, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: [String: Any] = [:]
        while clock.now < deadline {
            let (status, json) = try await getJSON("\(server)/api/deliveries/\(id)")
            if status == 200 {
                last = json
                if let state = json["state"] as? String, ["done", "failed", "waiting"].contains(state) { return json }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("delivery \(id) did not finish in time; last seen: \(last)")
        return last
    }

    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Bytes standing in for an APK (Slipway does not parse it for Play).
    static func fakeAPK(size: Int = 300_000, seed: UInt8 = 7) -> Data {
        var bytes = [UInt8](repeating: 0, count: size)
        var x = UInt32(seed) &* 2_654_435_761
        for i in bytes.indices {
            x ^= x << 13
            x ^= x >> 17
            x ^= x << 5
            bytes[i] = UInt8(truncatingIfNeeded: x)
        }
        bytes.replaceSubrange(0..<4, with: [0x50, 0x4B, 0x03, 0x04])
        return Data(bytes)
    }
}

extension SlipwayRuntime.Options {
    /// Quick polling and quick retries, so tests run in seconds. The lease is long enough that a
    /// heartbeat late on a loaded machine does not hand a running job to the other worker (a 3 s
    /// lease did once, in a CI run beside a fuzz run, and the delivery ran twice); no test here
    /// waits for a worker lease to run out (the crash tests run the binary with their own).
    static var fast: SlipwayRuntime.Options {
        var options = SlipwayRuntime.Options()
        options.workerLease = .seconds(10)
        options.workerPollInterval = .milliseconds(50)
        options.retrySchedule = RetrySchedule(maxAttempts: 3, firstDelay: .milliseconds(200), maxDelay: .seconds(1))
        options.pollSchedule = PollSchedule(firstDelay: .milliseconds(100), maxDelay: .milliseconds(300), maxRounds: 20)
        options.storeRetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200))
        // Reconciliation asks the fake CIs; tests that want it say so (ReconcileTests).
        options.reconcileFirstDelay = .seconds(3600)
        return options
    }
}
