import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayFakes
import SlipwayServer
import Synchronization
import Testing

/// Issue 13 §5: every secret the test world uses is a canary. Deliveries run — with failures at each
/// step, stores that echo the credential back, a signed URL, a forged webhook — at `trace` log level,
/// and then every sink is searched for every canary, raw and encoded: logs, the job store file,
/// the dashboard, the API, metrics, PR comments, statuses, chat messages.
@Suite("Canary secrets") struct CanarySecretsTests {
    /// The signature of a pre-signed artifact URL: a credential in a query string.
    static let urlSignature = "X-Amz-Signature-canary-0f1e2d3c4b5a6978"

    @Test func noSecretReachesAnySinkInAnyEncoding() async throws {
        let logs = CapturedLogs()
        var logger = Logger(label: "slipway.canary") { _ in CapturedLogHandler(logs: logs) }
        logger.logLevel = .trace
        try await TestWorld.with { world in
            let apk = TestWorld.fakeAPK(seed: 31)
            let runID = await world.addRun(apk: apk)
            await world.artifacts.add(path: "/signed/app-release.apk", data: apk)
            try await world.withServer(logger: logger) { server in
                // 1. A PR build: Play refuses the service account (403), Slack refuses the bot token.
                await world.play.enqueue(.status(403, reason: "forbidden", message: "The caller does not have permission"))
                await world.slack.enqueue(.okFalse("invalid_auth"))
                let pr = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 42))
                let prID = try #require(pr.json["delivery_id"] as? String)
                _ = try await world.waitForDelivery(server, id: prID)

                // 2. A signed artifact URL; Applivery answers 401 quoting the token it was sent.
                await world.applivery.enqueue(
                    .status(401, code: 4004, message: "Invalid token \(TestWorld.appliveryToken)"), at: .upload)
                let signed = world.artifactsURL + "/signed/app-release.apk?X-Amz-Signature=\(Self.urlSignature)"
                let main = try await world.postGeneric(server, artifactURL: signed, runID: "canary-1")
                let mainID = try #require(main.json["delivery_id"] as? String)
                _ = try await world.waitForDelivery(server, id: mainID)

                // 3. A download that fails (404) from another signed URL.
                let missing = world.artifactsURL + "/signed/missing-release.apk?X-Amz-Signature=\(Self.urlSignature)"
                let failed = try await world.postGeneric(server, artifactURL: missing, runID: "canary-2")
                let failedID = try #require(failed.json["delivery_id"] as? String)
                _ = try await world.waitForDelivery(server, id: failedID)

                // 4. A GitLab pipeline (artifacts through the API with the GitLab token), then one with a wrong hook token.
                await world.gitlab.addJobArtifacts(project: 7, jobID: 377, files: ["build/app-release.apk": apk])
                let gitlab = try await Self.postGitLab(world, server, token: TestWorld.gitlabWebhookToken)
                let gitlabID = try #require(gitlab.json["delivery_id"] as? String)
                _ = try await world.waitForDelivery(server, id: gitlabID)
                #expect(try await Self.postGitLab(world, server, token: "not-the-token").status == 401)

                // 5. Forged and unsigned webhooks.
                #expect(try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: 1, pr: nil), secret: "wrong").status == 401)

                var sinks: [(String, String)] = [("logs", logs.text)]
                for path in ["/", "/deliveries/\(prID)", "/deliveries/\(mainID)", "/deliveries/\(failedID)", "/deliveries/\(gitlabID)", "/metrics",
                             "/api/deliveries", "/api/deliveries/\(prID)", "/api/deliveries/\(mainID)", "/api/deliveries/\(failedID)"] {
                    let page = try await world.sendText(server + path)
                    #expect(page.status == 200, "\(path)")
                    sinks.append((path, page.text))
                }
                let sha = "3484a3fb816e0859fd6e1cea078d76385ff50625"
                for comment in await world.github.comments(repository: TestWorld.repository, issue: 42) {
                    sinks.append(("PR comment", comment.body))
                }
                for status in await world.github.statuses(repository: TestWorld.repository, sha: sha) {
                    sinks.append(("commit status", "\(status.context) \(status.state) \(status.description ?? "") \(status.targetURL ?? "")"))
                }
                for message in await world.slack.messages {
                    sinks.append(("Slack message", message.text + "\n" + String(decoding: message.blocks, as: UTF8.self)))
                }
                for post in await world.slack.webhookPosts { sinks.append(("Slack post", String(decoding: post, as: UTF8.self))) }
                sinks += Self.jobStoreSinks(world)

                // The failures happened, and said what they were about (so the sinks had something to leak).
                let everything = sinks.map(\.1).joined(separator: "\n")
                #expect(everything.contains("does not have permission"))
                #expect(everything.contains("Invalid token"))
                #expect(everything.contains("HTTP 404"))
                #expect(logs.text.contains("trace"), "trace lines were captured")

                let hits = Self.hits(of: try await Self.canaries(world), in: sinks)
                #expect(hits.isEmpty, "secrets reached sinks:\n\(hits.joined(separator: "\n"))")
            }
        }
    }

    static func postGitLab(_ world: TestWorld, _ server: String, token: String) async throws -> (status: Int, json: [String: Any]) {
        let hook = FakeGitLabHook.pipeline(
            token: token, projectID: 7, path: TestWorld.repository, pipelineID: 901, ref: "main", jobs: ["assemble-release": 377])
        var request = HTTPClientRequest(url: server + "/webhooks/gitlab")
        request.method = .POST
        for (name, value) in hook.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: hook.body))
        return try await world.send(request)
    }

    /// Every secret of the test world by name: configured credentials, the Play key's private parts,
    /// the tokens the fakes issued during the run, the signed URL's signature.
    static func canaries(_ world: TestWorld) async throws -> [(String, String)] {
        var canaries: [(String, String)] = [
            ("GitHub token", TestWorld.gitHubToken), ("GitHub webhook secret", TestWorld.webhookSecret),
            ("generic hook secret", TestWorld.genericSecret), ("Applivery token", TestWorld.appliveryToken),
            ("GitLab webhook token", TestWorld.gitlabWebhookToken), ("GitLab token", TestWorld.gitlabToken),
            ("Slack token", TestWorld.slackToken), ("API token", TestWorld.apiToken), ("OAuth secret", TestWorld.oauthSecret),
            ("artifact URL signature", urlSignature),
        ]
        let keyFile = try Data(contentsOf: world.folder.appendingPathComponent("play.json"))
        let key = try #require(try JSONSerialization.jsonObject(with: keyFile) as? [String: String])
        canaries.append(("Play private_key_id", try #require(key["private_key_id"])))
        let pem = try #require(key["private_key"]).split(separator: "\n").filter { !$0.hasPrefix("-----") }
        canaries.append(("Play private key (a line of it)", String(pem[pem.count / 2])))
        for token in await world.play.issuedTokens { canaries.append(("Google access token", token)) }
        return canaries
    }

    /// Where each canary shows up, in any of its encodings.
    static func hits(of canaries: [(String, String)], in sinks: [(String, String)]) -> [String] {
        var hits: [String] = []
        for (name, secret) in canaries {
            for form in encodings(of: secret) {
                for (sink, text) in sinks where text.contains(form) {
                    // The one exception, by design: a URL the webhook names is kept whole in the
                    // job store, because the worker downloads from it (after a restart, too).
                    if secret == urlSignature && sink.hasPrefix("slipway.db") { continue }
                    hits.append("\(name) (\(form == secret ? "raw" : "encoded \(form.prefix(12))…")) in \(sink)")
                }
            }
        }
        return hits
    }

    /// The job store file and its WAL, as text.
    static func jobStoreSinks(_ world: TestWorld) -> [(String, String)] {
        ["slipway.db", "slipway.db-wal"].compactMap { file in
            FileManager.default.contents(atPath: world.folder.appendingPathComponent(file).path)
                .map { (file, String(decoding: $0, as: UTF8.self)) }
        }
    }

    /// `secret` raw, base64, base64url, percent-encoded, JSON-escaped and as lowercase hex.
    static func encodings(of secret: String) -> [String] {
        let bytes = Data(secret.utf8)
        let base64 = bytes.base64EncodedString()
        let base64url = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .trimmingCharacters(in: CharacterSet(charactersIn: "="))
        let percent = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret
        let json = String(decoding: (try? JSONEncoder().encode(secret)) ?? Data(), as: UTF8.self).dropFirst().dropLast()
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        var forms: [String] = []
        for form in [secret, base64, base64url, percent, String(json), hex] where form.count >= 8 && !forms.contains(form) {
            forms.append(form)
        }
        return forms
    }
}

/// Every log line, with its metadata, as text.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

/// Writes each record — level, message, metadata, source — to `CapturedLogs`.
struct CapturedLogHandler: LogHandler {
    let logs: CapturedLogs
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        logs.append("\(event.level) \(event.message) \(all.map { "\($0)=\($1)" }.sorted().joined(separator: " ")) [\(event.source)]")
    }
}
