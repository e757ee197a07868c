import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayFakes
import _CryptoExtras
import Testing

/// Issue 13 §5, the secret kinds the main canary world does not configure: Bitrise's, Buildkite's
/// and CircleCI's webhook secrets and API tokens, and the Teams and Discord webhook URLs (whose
/// `sig` and token are the credential). Builds from each CI are delivered — one refused for a
/// wrong secret, one whose API token the CI rejects — at `trace`, with Discord rate-limiting and
/// Teams answering, and every sink is searched as in `CanarySecretsTests`.
@Suite("Canary secrets: other CI systems and chats") struct CanarySecretsOtherSourcesTests {
    static let bitriseSecret = "bitrise-hook-canary-7a6b5c4d"
    static let bitriseToken = "bitrise-pat-canary-1f2e3d4c5b"
    static let buildkiteHookToken = "buildkite-hook-canary-9e8d7c6b"
    static let buildkiteToken = "bkua_canary_0a1b2c3d4e5f6a7b"
    static let circleSecret = "circleci-hook-canary-5d4c3b2a"
    static let circleToken = "CCIPAT_canary_6f5e4d3c2b1a"
    static let teamsSignature = "teams-sig-canary-2b3c4d5e6f7a"
    static let discordToken = "discord-webhook-token-canary-8c9d0e1f"
    static let gitlabReportToken = "glpat-report-canary-3e4f5a6b7c"

    @Test func noSecretOfAnotherCIOrChatReachesAnySink() async throws {
        let logs = CapturedLogs()
        var logger = Logger(label: "slipway.canary") { _ in CapturedLogHandler(logs: logs) }
        logger.logLevel = .trace
        let apk = TestWorld.fakeAPK(seed: 43)
        let bitrise = FakeBitrise(token: Self.bitriseToken)
        await bitrise.addBuild(
            app: "abcd1234", slug: "1234abcd", commitHash: "b1b2b3b4b5b6b7b8b9b0b1b2b3b4b5b6b7b8b9b0", branch: "main",
            artifacts: ["app-release.apk": apk])
        let buildkite = FakeBuildkite(token: Self.buildkiteToken)
        await buildkite.addBuild(organization: "acme", pipeline: "android", number: 12, files: ["app/build/app-release.apk": apk])
        let circleci = FakeCircleCI(token: Self.circleToken)
        let pipeline = FakeCircleCIPipeline(
            number: 130, projectSlug: "gh/acme/app", repositoryURL: "https://github.com/acme/app", createdAt: Date(),
            workflows: [.init(id: "wf-canary", stoppedAt: Date())])
        await circleci.addWorkflow(id: "wf-canary", projectSlug: "gh/acme/app", jobs: ["assemble": ["app-release.apk": apk]])
        let teams = FakeTeamsWorkflow(signature: Self.teamsSignature)
        let discord = FakeDiscordWebhook(token: Self.discordToken)
        await discord.enqueueRateLimit(retryAfter: 0.2)
        let gitlabAPI = FakeGitLabAPI(token: Self.gitlabReportToken)

        try await bitrise.run { bitriseURL in try await buildkite.run { buildkiteURL in try await circleci.run { circleURL in
        try await teams.run { teamsURL in try await discord.run { discordURL in try await gitlabAPI.run { gitlabAPIURL in
            let extra = TestWorld.Extra(
                sources: """
                  bitrise:
                    webhook_secret: ${BITRISE_WEBHOOK_SECRET}
                    token: ${BITRISE_TOKEN}
                    api_url: \(bitriseURL)
                    apps:
                      abcd1234: acme/app
                  buildkite:
                    webhook_token: ${BUILDKITE_WEBHOOK_TOKEN}
                    token: ${BUILDKITE_TOKEN}
                    api_url: \(buildkiteURL)
                  circleci:
                    webhook_secret: ${CIRCLECI_WEBHOOK_SECRET}
                    token: ${CIRCLECI_TOKEN}
                    api_url: \(circleURL)
                    artifact_hosts: [127.0.0.1]
                """,
                notifications: """
                  teams-chat:
                    type: teams
                    webhook_url: ${TEAMS_WEBHOOK_URL}
                  discord-chat:
                    type: discord
                    webhook_url: ${DISCORD_WEBHOOK_URL}
                  gitlab-mr:
                    type: gitlab
                    token: ${GITLAB_REPORT_TOKEN}
                    api_url: \(gitlabAPIURL)/api/v4
                """,
                environment: [
                    "BITRISE_WEBHOOK_SECRET": Self.bitriseSecret, "BITRISE_TOKEN": Self.bitriseToken,
                    "BUILDKITE_WEBHOOK_TOKEN": Self.buildkiteHookToken, "BUILDKITE_TOKEN": Self.buildkiteToken,
                    "CIRCLECI_WEBHOOK_SECRET": Self.circleSecret, "CIRCLECI_TOKEN": Self.circleToken,
                    "TEAMS_WEBHOOK_URL": teamsURL, "DISCORD_WEBHOOK_URL": discordURL, "GITLAB_REPORT_TOKEN": Self.gitlabReportToken,
                ])
            try await TestWorld.with(extra: extra) { world in
                try await world.withServer(logger: logger) { server in
                    var ids: [String] = []
                    func post(_ path: String, _ hook: (headers: [String: String], body: Data)) async throws -> (status: Int, json: [String: Any]) {
                        var request = HTTPClientRequest(url: server + path)
                        request.method = .POST
                        for (name, value) in hook.headers { request.headers.add(name: name, value: value) }
                        request.body = .bytes(ByteBuffer(bytes: hook.body))
                        return try await world.send(request)
                    }
                    func deliver(_ path: String, _ hook: (headers: [String: String], body: Data)) async throws {
                        let reply = try await post(path, hook)
                        #expect(reply.status == 202, "\(path): \(reply.json)")
                        let id = try #require(reply.json["delivery_id"] as? String)
                        _ = try await world.waitForDelivery(server, id: id)
                        ids.append(id)
                    }
                    try await deliver("/webhooks/bitrise", FakeBitriseHook.buildFinished(secret: Self.bitriseSecret, branch: "main"))
                    var build = FakeBuildkiteBuild(number: 12, organization: "acme", pipeline: "android", finishedAt: Date())
                    build.commit = "c1c2c3c4c5c6c7c8c9c0c1c2c3c4c5c6c7c8c9c0"
                    try await deliver("/webhooks/buildkite", build.hook(token: Self.buildkiteHookToken))
                    try await deliver("/webhooks/circleci", pipeline.hook(workflow: 0, secret: Self.circleSecret))
                    // A Bitrise build the API does not know: the job fails at the CI's API, which is told the token.
                    try await deliver("/webhooks/bitrise", FakeBitriseHook.buildFinished(secret: Self.bitriseSecret, slug: "gone0000", branch: "main"))
                    // A GitLab merge-request pipeline (its "app-debug" job's APK, as the PR rule wants): a note on the MR.
                    await world.gitlab.addJobArtifacts(project: 7, jobID: 377, files: ["build/app-release.apk": apk])
                    let mr = FakeGitLabHook.pipeline(
                        token: TestWorld.gitlabWebhookToken, projectID: 7, path: TestWorld.repository, pipelineID: 902,
                        ref: "feature/mr", mergeRequestIID: 5, jobs: ["app-debug": 377])
                    try await deliver("/webhooks/gitlab", mr)
                    // Wrong secrets.
                    #expect(try await post("/webhooks/bitrise", FakeBitriseHook.buildFinished(secret: "wrong", branch: "main")).status == 401)
                    #expect(try await post("/webhooks/buildkite", build.hook(token: "wrong")).status == 401)
                    #expect(try await post("/webhooks/circleci", pipeline.hook(workflow: 0, secret: "wrong")).status == 401)

                    var sinks: [(String, String)] = [("logs", logs.text)]
                    for path in ["/", "/metrics", "/api/deliveries"] + ids.flatMap({ ["/deliveries/\($0)", "/api/deliveries/\($0)"] }) {
                        let page = try await world.sendText(server + path)
                        #expect(page.status == 200, "\(path)")
                        sinks.append((path, page.text))
                    }
                    for post in await teams.posts { sinks.append(("Teams post", String(decoding: post, as: UTF8.self))) }
                    for message in await discord.messages { sinks.append(("Discord message", "\(message)")) }
                    for message in await world.slack.messages { sinks.append(("Slack message", message.text)) }
                    for note in await gitlabAPI.notes(project: "acme/app", mergeRequest: 5) { sinks.append(("MR note", note.body)) }
                    for status in await gitlabAPI.statuses(project: "acme/app", sha: "bcbb5ec396a2c0f828686f14fac9b80b780504f2") {
                        sinks.append(("GitLab status", "\(status)"))
                    }
                    sinks += CanarySecretsTests.jobStoreSinks(world)

                    // The deliveries happened and were reported, so the sinks had something to leak.
                    let uploads = await world.play.uploads(of: TestWorld.packageName)
                    #expect(uploads.count == 4, "Bitrise, Buildkite, CircleCI and GitLab builds reached Play")
                    let gitlabCalls = await gitlabAPI.requestLog
                    #expect(await gitlabAPI.notes(project: "acme/app", mergeRequest: 5).count == 1, "one note on the MR: \(gitlabCalls)")
                    #expect(await !teams.posts.isEmpty)
                    #expect(await !discord.messages.isEmpty)
                    #expect(sinks.map(\.1).joined().contains("gone0000"), "the failed Bitrise build is shown")

                    let canaries: [(String, String)] = [
                        ("Bitrise webhook secret", Self.bitriseSecret), ("Bitrise token", Self.bitriseToken),
                        ("Buildkite webhook token", Self.buildkiteHookToken), ("Buildkite token", Self.buildkiteToken),
                        ("CircleCI webhook secret", Self.circleSecret), ("CircleCI token", Self.circleToken),
                        ("Teams signature", Self.teamsSignature), ("Discord token", Self.discordToken),
                        ("GitLab reporting token", Self.gitlabReportToken),
                    ]
                    let hits = CanarySecretsTests.hits(of: canaries, in: sinks)
                    #expect(hits.isEmpty, "secrets reached sinks:\n\(hits.joined(separator: "\n"))")
                }
            }
        } } } } } }
    }

    @Test func theGitHubAppsKeyAndItsInstallationTokensReachNoSink() async throws {
        let logs = CapturedLogs()
        var logger = Logger(label: "slipway.canary") { _ in CapturedLogHandler(logs: logs) }
        logger.logLevel = .trace
        try await TestWorld.with(githubApp: true) { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 47))
            try await world.withServer(logger: logger) { server in
                // The first token GitHub hands out expires mid-delivery; a second one is fetched.
                await world.github.failNextInstallationTokens(502)
                let answer = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 21))
                let id = try #require(answer.json["delivery_id"] as? String)
                _ = try await world.waitForDelivery(server, id: id)
                await world.github.expireInstallationTokens()
                let secondRun = await world.addRun(apk: TestWorld.fakeAPK(seed: 48), runID: 4343)
                let again = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: secondRun, pr: 21))
                if let second = again.json["delivery_id"] as? String { _ = try await world.waitForDelivery(server, id: second) }

                var sinks: [(String, String)] = [("logs", logs.text)]
                for path in ["/", "/deliveries/\(id)", "/api/deliveries", "/api/deliveries/\(id)", "/metrics"] {
                    sinks.append((path, try await world.sendText(server + path).text))
                }
                for comment in await world.github.comments(repository: TestWorld.repository, issue: 21) {
                    sinks.append(("PR comment", comment.body))
                }
                for run in await world.github.checkRuns(sha: "3484a3fb816e0859fd6e1cea078d76385ff50625") {
                    sinks.append(("check run", "\(run.title ?? "") \(run.summary ?? "")"))
                }
                sinks += CanarySecretsTests.jobStoreSinks(world)
                #expect(await world.github.installationTokensIssued >= 2)

                let pem = TestWorld.appKey.pemRepresentation.split(separator: "\n").filter { !$0.hasPrefix("-----") }
                var canaries: [(String, String)] = [("App private key (a line of it)", String(pem[pem.count / 2]))]
                for token in await world.github.issuedInstallationTokens { canaries.append(("installation token", token)) }
                let hits = CanarySecretsTests.hits(of: canaries, in: sinks)
                #expect(hits.isEmpty, "secrets reached sinks:\n\(hits.joined(separator: "\n"))")
            }
        }
    }
}
