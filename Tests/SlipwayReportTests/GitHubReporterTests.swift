import AsyncHTTPClient
import Foundation
import Logging
import SlipwayFakes
import Testing

@testable import SlipwayCore
@testable import SlipwayReport

@Suite("GitHub statuses and the sticky PR comment")
struct GitHubReporterTests {
    static let token = "ghs_report_test_token"
    static let marker = "<!-- slipway:build github:acme/app#7.1 -->"

    func withReporter<T: Sendable>(
        _ github: FakeGitHub, token: String = GitHubReporterTests.token, maxAttempts: Int = 4,
        body: (GitHubReporter) async throws -> T
    ) async throws -> T {
        try await github.run { api in
            let reporter = GitHubReporter(
                httpClient: HTTPClient.shared, apiURL: api, token: Secret(token), logger: Logger(label: "test"),
                maxAttempts: maxAttempts, retryDelay: .milliseconds(10), rateLimitFallbackWait: .milliseconds(10))
            return try await body(reporter)
        }
    }

    @Test func aStatusIsPostedWithItsDescriptionCutToGitHubsLimit() async throws {
        let github = FakeGitHub(token: Self.token)
        try await withReporter(github) { reporter in
            try await reporter.postStatus(
                repository: "acme/app", sha: "abc", context: "slipway/play", state: .failure,
                description: String(repeating: "x", count: 300), targetURL: "https://slipway.example/deliveries/1")
        }
        let statuses = await github.statuses(repository: "acme/app", sha: "abc")
        #expect(statuses.count == 1)
        #expect(statuses.first?.state == "failure")
        #expect(statuses.first?.description?.count == 140)
        #expect(statuses.first?.description?.hasSuffix("…") == true)
        #expect(statuses.first?.targetURL == "https://slipway.example/deliveries/1")
    }

    @Test func theCommentIsCreatedOnceThenEditedInPlace() async throws {
        let github = FakeGitHub(token: Self.token)
        try await withReporter(github) { reporter in
            let first = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 7, marker: Self.marker, body: "uploading")
            let second = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 7, marker: Self.marker, body: "done")
            #expect(first == second)
            // Every report finds its comment by marker and author: after a restart too.
            let third = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 7, marker: Self.marker, body: "done again")
            #expect(third == first)
        }
        let comments = await github.comments(repository: "acme/app", issue: 7)
        #expect(comments.count == 1)
        #expect(comments.first?.body.hasPrefix("done again") == true)
        #expect(comments.first?.body.contains(Self.marker) == true)
        #expect(comments.first?.edits == 2)
    }

    @Test func aCommentByAnotherUserQuotingTheMarkerIsNotEdited() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.addComment(repository: "acme/app", issue: 7, author: "mallory", body: "look: " + Self.marker)
        try await withReporter(github) { reporter in
            _ = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 7, marker: Self.marker, body: "report")
        }
        let comments = await github.comments(repository: "acme/app", issue: 7)
        #expect(comments.count == 2)
        #expect(comments[0].body == "look: " + Self.marker)
        #expect(comments[1].author == "slipway-bot")
    }

    @Test func theMarkerIsFoundOnALaterPage() async throws {
        let github = FakeGitHub(token: Self.token)
        try await withReporter(github) { reporter in
            let id = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 8, marker: Self.marker, body: "v1")
            for n in 0..<120 { await github.addComment(repository: "acme/app", issue: 8, author: "dev", body: "chatter \(n)") }
            let again = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 8, marker: Self.marker, body: "v2")
            #expect(again == id)
        }
        #expect(await github.comments(repository: "acme/app", issue: 8).filter { $0.author == "slipway-bot" }.count == 1)
    }

    @Test func serverErrorsAndSecondaryRateLimitsAreRetried() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.enqueue(.status(502), .secondaryRateLimit(retryAfterSeconds: 0), on: .createStatus)
        try await withReporter(github) { reporter in
            try await reporter.postStatus(
                repository: "acme/app", sha: "def", context: "slipway/play", state: .success, description: "ok", targetURL: nil)
        }
        #expect(await github.statuses(repository: "acme/app", sha: "def").count == 1)
    }

    @Test func aValidationErrorFailsFastWithGitHubsMessage() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.enqueue(.status(422, message: "No commit found for SHA: def"), on: .createStatus)
        try await withReporter(github) { reporter in
            do throws(ReportError) {
                try await reporter.postStatus(
                    repository: "acme/app", sha: "def", context: "slipway/play", state: .success, description: "ok", targetURL: nil)
                Issue.record("expected an error")
            } catch {
                #expect(error.description.contains("HTTP 422: No commit found for SHA: def"))
                #expect(!error.description.contains(Self.token))
            }
        }
        #expect(await github.requestLog.filter { $0.hasPrefix("POST status") }.count == 1)
    }
}

extension GitHubReporterTests {
    @Test func anExhaustedRateLimitIsWaitedOutUntilItsReset() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.enqueue(.rateLimitExhausted(resetInSeconds: 0), on: .createComment)
        let id = try await withReporter(github) { reporter in
            try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 9, marker: Self.marker, body: "report")
        }
        #expect(await github.comments(repository: "acme/app", issue: 9).map(\.id) == [id])
    }

    @Test func serverErrorsThatOutlastTheAttemptsAreReportedAsRetryable() async throws {
        let github = FakeGitHub(token: Self.token)
        await github.failNext(3, on: .createStatus, status: 503, message: "Service Unavailable")
        try await withReporter(github, maxAttempts: 3) { reporter in
            do throws(ReportError) {
                try await reporter.postStatus(
                    repository: "acme/app", sha: "abc", context: "slipway/play", state: .pending, description: "…", targetURL: nil)
                Issue.record("expected an error")
            } catch {
                #expect(error.isRetryable)
                #expect(error.description.contains("HTTP 503: Service Unavailable"))
            }
        }
        #expect(await github.requestLog.filter { $0.hasPrefix("POST status") }.count == 3)
    }

    @Test func aBadTokenFailsAtOnceWithAHintAndWithoutTheToken() async throws {
        let github = FakeGitHub(token: Self.token)
        try await withReporter(github, token: "ghp_wrong_token") { reporter in
            do throws(ReportError) {
                try await reporter.postStatus(
                    repository: "acme/app", sha: "abc", context: "slipway/play", state: .success, description: "ok", targetURL: nil)
                Issue.record("expected an error")
            } catch {
                #expect(error.description.contains("HTTP 401: Bad credentials"))
                #expect(error.description.contains("invalid or expired"))
                #expect(!error.description.contains("ghp_wrong_token"))
                #expect(!error.isRetryable)
            }
        }
        #expect(await github.requestLog.count == 1)
    }

    @Test func aBodyOverGitHubsLimitIsCutWithANoteAndKeepsItsMarker() async throws {
        let github = FakeGitHub(token: Self.token)
        try await withReporter(github) { reporter in
            _ = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 11, marker: Self.marker, body: String(repeating: "row\n", count: 30_000))
        }
        let body = try #require(await github.comments(repository: "acme/app", issue: 11).first?.body)
        #expect(body.count <= GitHubReporter.commentBodyLimit)
        #expect(body.contains("cut to fit GitHub's comment limit"))
        #expect(body.hasSuffix(Self.marker))
    }

    @Test func theBotsLoginCanBeGivenInsteadOfAskingGitHub() async throws {
        let github = FakeGitHub(token: Self.token)
        try await github.run { api in
            let reporter = GitHubReporter(
                httpClient: HTTPClient.shared, apiURL: api, token: Secret(Self.token), logger: Logger(label: "test"),
                login: "slipway-bot")
            _ = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 12, marker: Self.marker, body: "v1")
            _ = try await reporter.upsertComment(
                repository: "acme/app", issueNumber: 12, marker: Self.marker, body: "v2")
        }
        #expect(await github.comments(repository: "acme/app", issue: 12).count == 1)
        #expect(await !github.requestLog.contains("GET /user"))
    }
}

@Suite("PR comment template")
struct PullRequestCommentTemplateTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("templates")

    @Test func theShippedTemplateShowsThePlayLinkAndAFailureWithItsHint() async throws {
        let renderer = try await TemplateRenderer(directory: Self.templates)
        let event = BuildEvent(
            provider: .github, repository: "acme/app", branch: "feature/x", sha: "0123456789abcdef", trigger: .pullRequest,
            pullRequest: 3, conclusion: .success, buildID: "9", buildURL: "https://ci/run/9",
            artifactSource: .githubRun(repository: "acme/app", runID: 9), commitMessage: "Add | pipes\nbody")
        let results = [
            StoreResult(
                store: "play", storeType: .googlePlay, state: .succeeded, summary: "uploaded",
                links: [.init(title: "Install from Play", url: "https://play.google.com/apps/test/abc/def")],
                details: [.init(label: "sha256", value: "feed")]),
            StoreResult(
                store: "play-beta", storeType: .googlePlay, state: .failed, summary: "failed: upload APK",
                failure: StoreFailure(step: "upload APK", message: "The caller does not have permission", hint: "Grant access in Play Console")),
        ]
        let text = try renderer.render(
            "github-pr-comment",
            BuildReport(deliveryID: "dlv_1", event: event, matchedRules: ["pr"], results: results, dashboardURL: "https://s/deliveries/dlv_1"))
        #expect(text.contains("[Install from Play](https://play.google.com/apps/test/abc/def)"))
        #expect(text.contains("**play-beta** failed at *upload APK*: The caller does not have permission"))
        #expect(text.contains("> **What to do:** Grant access in Play Console"))
        #expect(text.contains("1 store failed"))
        #expect(text.contains("Add \\| pipes"), "table-breaking characters are escaped")
        #expect(!text.contains("&lt;"), "text templates are not HTML-escaped")
    }

    @Test func theStatusTemplateRendersOneLinePerStore() async throws {
        let renderer = try await TemplateRenderer(directory: Self.templates)
        let event = BuildEvent(
            provider: .github, repository: "acme/app", branch: "main", sha: "0123456789abcdef", trigger: .push,
            pullRequest: nil, conclusion: .success, buildID: "9", buildURL: nil,
            artifactSource: .githubRun(repository: "acme/app", runID: 9), commitMessage: nil)
        let report = BuildReport(
            deliveryID: "dlv_2", event: event, matchedRules: ["main"],
            results: [
                StoreResult(store: "play", storeType: .googlePlay, state: .succeeded, summary: "uploaded"),
                StoreResult(
                    store: "amazon", storeType: .amazonAppstore, state: .failed, summary: "failed",
                    failure: StoreFailure(step: "commit edit", message: "app is in review", hint: "wait for the review")),
            ],
            dashboardURL: nil)
        let ok = try renderer.renderLine("github-status-description", report.stores[0])
        let failed = try renderer.renderLine("github-status-description", report.stores[1])
        #expect(ok == "done · uploaded")
        #expect(failed == "commit edit failed: app is in review")
        #expect(!failed.contains("\n"))
    }

    @Test func theTemplatesFolderIsFoundNextToTheConfigFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("templates"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(locateTemplatesDirectory(explicit: "/opt/slipway/tpl", configDirectory: folder)?.path == "/opt/slipway/tpl")
        #expect(locateTemplatesDirectory(explicit: "mine", configDirectory: folder)?.path == folder.appendingPathComponent("mine").path)
        if ProcessInfo.processInfo.environment["SLIPWAY_TEMPLATES"] == nil {
            #expect(locateTemplatesDirectory(explicit: nil, configDirectory: folder)?.path == folder.appendingPathComponent("templates").path)
        }
    }

    @Test func aMissingTemplateNamesItsFile() async throws {
        let renderer = try await TemplateRenderer(directory: Self.templates)
        #expect(throws: TemplateError.missing(name: "nope", directory: Self.templates.path)) {
            try renderer.render("nope", 1)
        }
    }

    @Test func aBrokenTemplateIsReportedWithItsFileAndLine() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "line one\n{{#stores}}\nno close\n".write(to: folder.appendingPathComponent("broken.mustache"), atomically: true, encoding: .utf8)
        do {
            _ = try await TemplateRenderer(directory: folder, strict: true)  // as `validate` reads the folder
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.description.contains("broken.mustache"))
            #expect(error.description.contains("template syntax error"))
        }
    }
}
