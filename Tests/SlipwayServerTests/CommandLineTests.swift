import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SlipwayCore
import SlipwayFakes
import Testing

/// The `slipway` executable as a user runs it: exit codes and what it prints.
@Suite("Command line", .serialized)
struct CommandLineTests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    func slipway(_ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil) throws -> Run {
        let process = Process()
        process.executableURL = SlipwayProcess.executable
        if let folder { process.currentDirectoryURL = folder }
        process.arguments = arguments
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]) { a, _ in a }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: errors, as: UTF8.self))
    }

    /// `slipway` on a Dispatch thread, for tests whose fakes run in this process: a blocking wait
    /// on a cooperative thread would starve the fakes' handlers of the threads they answer on.
    func slipwayOffThePool(_ arguments: [String], environment: [String: String] = [:]) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.slipway(arguments, environment: environment) })
            }
        }
    }

    static let example = TestWorld.repositoryRoot.appendingPathComponent("deploy/slipway.example.yml").path

    @Test func validateAcceptsTheExampleAndReportsEveryProblemWithFileAndLine() throws {
        let ok = try slipway(["validate", Self.example])
        #expect(ok.status == 0)
        #expect(ok.output.contains("OK — 2 rule(s)"))

        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).yml")
        defer { try? FileManager.default.removeItem(at: broken) }
        let text = try String(contentsOfFile: Self.example, encoding: .utf8)
            .replacingOccurrences(of: "type: google-play", with: "type: google-plya")
            .replacingOccurrences(of: "stores: [play]\n", with: "stores: [play, nope]\n")
        try text.write(to: broken, atomically: true, encoding: .utf8)
        let bad = try slipway(["validate", broken.path])
        #expect(bad.status == 1)
        let lines = bad.errors.split(separator: "\n").map(String.init)
        let typeLine = (text.components(separatedBy: "\n").firstIndex { $0.contains("type: google-plya") } ?? -1) + 1
        #expect(lines.contains { $0.hasPrefix("\(broken.path):\(typeLine): unknown store type \"google-plya\"") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(broken.path):") && $0.contains("names store \"nope\"") })
        #expect(!lines.contains { $0.contains("names store \"play\"") }, "a store with a bad type is reported once")
    }

    /// A copy of the example with `replace` applied, written to a temporary file.
    func exampleVariant(_ replace: (String) -> String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("variant-\(UUID().uuidString).yml")
        try replace(try String(contentsOfFile: Self.example, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func validateWarnsAboutAPublicDashboardAndAboutOneNobodyCanOpen() throws {
        let open = try exampleVariant {
            $0.replacingOccurrences(of: "  access:", with: "  dashboard:\n    public: true\n  access:")
        }
        defer { try? FileManager.default.removeItem(at: open) }
        let warned = try slipway(["validate", open.path])
        #expect(warned.status == 0)
        #expect(warned.errors.contains("\(open.path):14: warning: server.dashboard.public is true"))

        let closed = try exampleVariant {
            $0.replacingOccurrences(of: "    api_tokens: [\"${SLIPWAY_API_TOKEN}\"]", with: "    session_hours: 8")
        }
        defer { try? FileManager.default.removeItem(at: closed) }
        let locked = try slipway(["validate", closed.path])
        #expect(locked.status == 0)
        #expect(locked.errors.contains("warning: no server.access credential is configured"))

        let quiet = try slipway(["validate", Self.example])
        #expect(!quiet.errors.contains("warning: server.dashboard") && !quiet.errors.contains("no server.access credential"))
        #expect(!quiet.errors.contains("reconciliation cannot tell"))

        // A rule for every repository: reconciliation cannot list "everything" with a token.
        let anyRepository = try exampleVariant { text in
            var lines = text.components(separatedBy: "\n")
            if let index = lines.firstIndex(where: { $0.contains("repo: example/android-app") }) { lines.remove(at: index) }
            return lines.joined(separator: "\n")
        }
        defer { try? FileManager.default.removeItem(at: anyRepository) }
        let unreconciled = try slipway(["validate", anyRepository.path])
        #expect(unreconciled.status == 0)
        #expect(unreconciled.errors.contains("has no repo:, so reconciliation cannot tell where to look"), "\(unreconciled.errors)")
    }

    @Test func validateCheckSecretsNamesEveryUnreadableReferenceWithoutItsValue() throws {
        let run = try slipway(["validate", "--check-secrets", Self.example], environment: ["GITHUB_TOKEN": "ghp_visible_value"])
        #expect(run.status == 1)
        #expect(run.errors.contains("sources.github.webhook_secret (${GITHUB_WEBHOOK_SECRET}): environment variable GITHUB_WEBHOOK_SECRET is not set"))
        #expect(run.errors.contains("stores.play.service_account (file:/etc/slipway/play-service-account.json)"))
        #expect(!run.errors.contains("sources.github.token"), "a reference that resolves is not reported")
        #expect(run.errors.contains("server.access.api_tokens[0] (${SLIPWAY_API_TOKEN}): environment variable SLIPWAY_API_TOKEN is not set"))
        #expect(!run.errors.contains("ghp_visible_value"))
    }

    @Test func explainSaysWhichRuleMatchesAndWhatWouldRun() throws {
        let run = try slipway([
            "explain", "--config", Self.example, "--repo", "example/android-app", "--branch", "feature/x", "--pr", "12",
        ])
        #expect(run.status == 0)
        #expect(run.output.contains("Rule \"PR builds to Play internal sharing\""))
        #expect(run.output.contains("MATCHES"))
        #expect(run.output.contains("✗ event pull_request is not one of [push]"))
        #expect(run.output.contains("one PR comment on #12"))
        #expect(run.output.contains("Result: Slipway would download the artifact matching \"app-debug/**/*.apk\" once and upload it to play"))
    }

    static let allStores = TestWorld.repositoryRoot.appendingPathComponent("deploy/slipway.all-stores.example.yml").path
    static let repositoryRules = TestWorld.repositoryRoot.appendingPathComponent("deploy/repository-rules.example.yml").path

    @Test func validateChecksARepositoryRulesFileAgainstTheServersPolicy() throws {
        let ok = try slipway(["validate", "--config", Self.allStores, "--repo-rules", Self.repositoryRules, "--repo", "acme/app"])
        #expect(ok.status == 0, "\(ok.errors)")
        #expect(ok.output.contains("OK — 1 rule(s) for acme/app") && ok.output.contains("allow stores: applivery-qa"))

        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString).yml")
        defer { try? FileManager.default.removeItem(at: broken) }
        try String(contentsOfFile: Self.repositoryRules, encoding: .utf8).replacingOccurrences(of: "stores: [applivery-qa]", with: "stores: [amazon]")
            .write(to: broken, atomically: true, encoding: .utf8)
        let bad = try slipway(["validate", "--config", Self.allStores, "--repo-rules", broken.path, "--repo", "acme/app"])
        #expect(bad.status == 1)
        #expect(bad.errors.contains("\(broken.path):11: rule \"release branches to Applivery QA\" names store \"amazon\", which the server's repo_rules do not allow"), "\(bad.errors)")

        let uncovered = try slipway(["validate", "--config", Self.allStores, "--repo-rules", Self.repositoryRules, "--repo", "other/app"])
        #expect(uncovered.status == 1 && uncovered.errors.contains("no repo_rules entry covers other/app"))

        let explained = try slipway([
            "explain", "--config", Self.allStores, "--repo-rules", Self.repositoryRules, "--repo", "acme/app", "--branch", "release/4.2",
            "--event", "push",
        ])
        #expect(explained.status == 0)
        #expect(explained.output.contains("Rule \"release branches to Applivery QA\" (\(Self.repositoryRules):7): MATCHES"), "\(explained.output)")

        // Against the base branch's copy (here: one without the rule), what the change does.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("base-\(UUID().uuidString).yml")
        defer { try? FileManager.default.removeItem(at: base) }
        try "version: 1\nrules: []\n".write(to: base, atomically: true, encoding: .utf8)
        let change = try slipway([
            "explain", "--config", Self.allStores, "--repo-rules", Self.repositoryRules, "--base-rules", base.path, "--repo", "acme/app",
            "--branch", "release/4.2", "--event", "push",
        ])
        #expect(change.status == 0, "\(change.errors)")
        #expect(change.output.contains("Routing with \(base.path) → with \(Self.repositoryRules):"), "\(change.output)")
        // The server's own rule already sends release/* everywhere, so the file's rule changes nothing there.
        #expect(change.output.contains("builds of release/* (push): no change (play, applivery-qa, ignite, amazon)"), "\(change.output)")
        #expect(change.output.contains("builds of main (push): no change (ps-instrumented)"), "\(change.output)")
    }

    @Test func theDemoRunFromAnotherFolderShowsEveryStoreAndAFullPRComment() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("elsewhere-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try slipway(["demo"], in: folder)
        #expect(run.status == 0, "\(run.errors)")
        let out = run.output
        // As the results arrive: each store's own outcome.
        #expect(out.contains("→ Install from Play: https://play.google.com/apps/test/"))
        #expect(out.contains("applivery        waiting    uploaded; Applivery is processing the build"), "Applivery first answers 5014")
        #expect(out.contains("→ Download from Applivery: http://127.0.0.1:") && out.contains("· Link expires: 20"))
        #expect(out.contains("product-science  succeeded  uploaded as APK build") && out.contains("· Upload state: UPLOADING"))
        #expect(out.contains("· Samsung approval: SCHEDULED") && out.contains("· Manual approval: APPROVED"))
        #expect(out.contains("ignite           succeeded  approved"))
        #expect(out.contains("amazon           succeeded  submitted for review") && out.contains("· Commit state: committed"))
        #expect(out.contains(": done\n"))
        // Then the reports, rendered from the compiled-in templates although no templates/ folder is here.
        let comment = out.components(separatedBy: "The PR comment on #7").last ?? ""
        #expect(comment.contains("Delivered to all 5 stores"))
        for store in ["play", "applivery", "product-science", "ignite", "amazon"] {
            #expect(comment.contains("**\(store)**"), "the PR comment names \(store)")
        }
        #expect(out.contains("success  slipway/ignite — done"))
        let slack = out.components(separatedBy: "The Slack message").last ?? ""
        #expect(slack.contains("Delivered to all 5 stores") && slack.contains("ignite ✅"))
        #expect(!out.contains("localhost:8080"), "every printed link is the bound address")
    }

    @Test func theDemoServesItsDashboardAtTheAddressItPrintsUntilInterrupted() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("demo-serve-\(UUID().uuidString).log")
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: log) }
        let process = Process()
        process.executableURL = SlipwayProcess.executable
        process.arguments = ["demo", "--serve"]
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var line: Substring?
        for _ in 0..<600 where line == nil {
            try await Task.sleep(for: .milliseconds(100))
            let text = try String(contentsOf: log, encoding: .utf8)
            line = text.split(separator: "\n").first { $0.contains("Still running. Dashboard: ") }
        }
        let printed = try #require(line, "the demo never said it was serving")
        let url = try #require(printed.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
        let token = try #require(printed.components(separatedBy: "sign in with the token ").last?.split(separator: ".").first.map(String.init))
        var request = HTTPClientRequest(url: url + "api/deliveries")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        #expect(response.status.code == 200)
        #expect(body.contains("\"state\" : \"done\"") || body.contains("\"state\":\"done\""))
        kill(process.processIdentifier, SIGINT)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning, "Ctrl-C stops the demo")
        #expect(process.terminationStatus == 0)
    }

    @Test func validateReportsABrokenTemplateOverrideWithFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "ok\n{{#stores}}\n{{name}\n".write(to: folder.appendingPathComponent("github-pr-comment.mustache"), atomically: true, encoding: .utf8)
        let config = try exampleVariant { $0.replacingOccurrences(of: "  workers: 2\n", with: "  workers: 2\n  templates: \(folder.path)\n") }
        defer { try? FileManager.default.removeItem(at: config) }
        let run = try slipway(["validate", config.path])
        #expect(run.status == 1)
        #expect(run.errors.contains(folder.appendingPathComponent("github-pr-comment.mustache").path + ":"))
        #expect(run.errors.contains("template syntax error"))
    }

    @Test(arguments: ["github", "gitlab", "bitrise", "buildkite", "circleci", "generic"])
    func initWritesAStarterConfigThatValidatesAndSaysWhatToSetAndWire(ci: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("init-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("slipway.yml")
        let run = try slipway([
            "init", "--ci", ci, "--stores", "play,applivery,product-science,ignite,amazon", "--chat", "slack",
            "--output", file.path, "--public-url", "https://releases.acme.dev",
        ])
        #expect(run.status == 0, "\(run.errors)")
        let text = try String(contentsOf: file, encoding: .utf8)
        let config = try ConfigLoader.parse(yaml: text, file: file.path)
        #expect(config.stores.map(\.name) == ["play", "applivery", "product-science", "ignite", "amazon"])
        #expect(config.notifications.contains { $0.name == "team-chat" })
        #expect(try slipway(["validate", file.path]).status == 0)
        // Every secret is a reference, and each one is named in the output.
        for secret in ["token:", "secret:", "webhook_token:", "app_token:"] {
            for line in text.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix(secret) {
                #expect(line.contains("${"), "\(line) is not a reference")
            }
        }
        let variables = run.output.components(separatedBy: "environment variables").last?.components(separatedBy: "Wire").first ?? ""
        for name in ["SLIPWAY_API_TOKEN", "APPLIVERY_APP_TOKEN", "PRODUCTSCIENCE_TOKEN", "DT_CLIENT_SECRET", "AMAZON_CLIENT_SECRET", "SLACK_BOT_TOKEN"] {
            #expect(variables.contains("  \(name)\n"), "\(name) is not listed")
        }
        #expect(!variables.contains("ENV_NAME"))
        #expect(run.output.contains("https://releases.acme.dev/webhooks/\(ci)"))
        #expect(run.output.contains("OK"))
    }

    @Test func initRefusesToOverwriteAndNamesWhatItKnows() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("init-\(UUID().uuidString).yml")
        try "keep me".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let again = try slipway(["init", "--output", file.path])
        #expect(again.status != 0)
        #expect(again.errors.contains("exists already"))
        #expect(try String(contentsOf: file, encoding: .utf8) == "keep me")
        let unknown = try slipway(["init", "--stores", "play,testflight", "--output", file.path + ".new"])
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("unknown store \"testflight\"; use play, applivery, product-science, ignite, amazon"))
        #expect(!FileManager.default.fileExists(atPath: file.path + ".new"))
    }

    @Test func explainShowsARulesOwnStoreOptionsAndWhichRuleWins() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("override-\(UUID().uuidString).yml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            version: 1
            stores:
              applivery-qa:
                type: applivery
                app_token: ${APPLIVERY_APP_TOKEN}
                organization: acme
                tags: [qa]
            rules:
              - name: nightly
                repo: acme/app
                stores: [{applivery-qa: {tags: [nightly], version_name: "nightly-{short_sha}"}}]
              - name: everything
                repo: acme/app
                stores: [applivery-qa]
            """.write(to: file, atomically: true, encoding: .utf8)
        let run = try slipway(["explain", "--config", file.path, "--repo", "acme/app", "--branch", "main"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("→ store applivery-qa with this rule's options (tags [nightly]; version_name nightly-{short_sha}): Applivery"))
        #expect(run.output.contains("(applivery-qa is delivered once, as rule \"nightly\" sets it: the first matching rule wins)"))
        #expect(try slipway(["validate", file.path]).status == 0)
    }

    @Test func redeliverQueuesTheFailedStoreForTheRunningServer() async throws {
        try await TestWorld.with { world in
            let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 63), runID: 702)
            await world.play.enqueue(.status(403, reason: "userInsufficientPermission", message: "The caller does not have permission"))
            try await world.withServer { server in
                let answer = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 32))
                let id = try #require(answer.json["delivery_id"] as? String)
                #expect(try await world.waitForDelivery(server, id: id)["state"] as? String == "failed")
                let run = try await slipwayOffThePool(["redeliver", "--config", world.configPath, id], environment: ["USER": "release-captain"])
                #expect(run.status == 0, "\(run.errors)")
                #expect(run.output.contains("\(id): re-delivering play"))
                #expect(try await world.waitForDelivery(server, id: id)["state"] as? String == "done")
                #expect(await world.play.uploads(of: TestWorld.packageName).count == 1)
                #expect(try await world.sendText(server + "/deliveries/\(id)").text.contains("play by release-captain (slipway redeliver)"))
                let again = try await slipwayOffThePool(["redeliver", "--config", world.configPath, id])
                #expect(again.status == 1)
                #expect(again.errors.contains("not re-delivered: delivery \(id) has no failed store"))
            }
        }
    }

    @Test func deliverRunsTheStoreFlowsOnceWithoutAServer() async throws {
        try await TestWorld.with { world in
            let apk = world.folder.appendingPathComponent("app-release.apk")
            try TestWorld.fakeAPK(seed: 41).write(to: apk)
            let run = try await slipwayOffThePool(
                [
                    "deliver", "--config", world.configPath, "--artifact", apk.path, "--repo", TestWorld.repository,
                    "--branch", "main", "--sha", "cafe0000cafe0000cafe0000cafe0000cafe0000",
                ], environment: world.environment)
            #expect(run.status == 0, "\(run.errors)")
            let uploads = await world.play.uploads(of: TestWorld.packageName)
            #expect(uploads.count == 1)
            #expect(run.output.contains("play (Google Play internal app sharing): succeeded"))
            let link = uploads.first?.downloadURL ?? "<none>"
            #expect(run.output.contains(link))
            #expect(run.output.contains("applivery (Applivery): succeeded"))
            #expect(!run.output.contains(TestWorld.appliveryToken))
        }
    }
}
