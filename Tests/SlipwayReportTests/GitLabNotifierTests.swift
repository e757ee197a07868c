import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore
import SlipwayFakes
import Testing

@testable import SlipwayReport

@Suite("GitLab commit statuses and the MR note")
struct GitLabNotifierTests {
    static let token = "glpat-report-test-token"

    func withNotifier(_ gitlab: FakeGitLabAPI, body: (GitLabNotifier) async throws -> Void) async throws {
        let templates = try await ReportFixtures.renderer()
        try await gitlab.run { base in
            let api = GitLabAPI(
                httpClient: .shared, apiURL: base + "/api/v4", token: Secret(Self.token), logger: Logger(label: "test"),
                retryDelay: .milliseconds(10))
            var settings = GitLabNotificationSettings(token: .environment("GITLAB_TOKEN"))
            settings.apiURL = base + "/api/v4"
            try await body(GitLabNotifier(name: "gitlab", settings: settings, api: api, templates: templates))
        }
    }

    @Test func aStatusIsPostedPerStoreAndARepeatedStateIsTolerated() async throws {
        let gitlab = FakeGitLabAPI(token: Self.token)
        let event = ReportFixtures.event(pullRequest: nil)
        try await withNotifier(gitlab) { notifier in
            let references = MemoryReferences()
            let running = ReportFixtures.report(
                [ReportFixtures.result("play", .running), ReportFixtures.result("ignite", .pending)], event: event)
            try await notifier.publish(running, event: event, references: references, logger: Logger(label: "test"))
            // A restart lost the references: the same states are posted again and GitLab says 400.
            try await notifier.publish(running, event: event, references: MemoryReferences(), logger: Logger(label: "test"))
            let done = ReportFixtures.report(
                [ReportFixtures.result("play", .succeeded), ReportFixtures.result("ignite", .failed)], event: event)
            try await notifier.publish(done, event: event, references: references, logger: Logger(label: "test"))
        }
        let statuses = await gitlab.statuses(project: "group/app", sha: event.sha)
        #expect(statuses.map(\.name) == ["slipway/play", "slipway/ignite", "slipway/play", "slipway/ignite"])
        #expect(statuses.map(\.state) == ["running", "pending", "success", "failed"])
        #expect(statuses.allSatisfy { ($0.description?.count ?? 0) <= 255 && $0.ref == "feature/\"x\"" })
    }

    @Test func aSecondPipelineOfTheMergeRequestEditsTheSameNoteWithTheFirstBelow() async throws {
        let gitlab = FakeGitLabAPI(token: Self.token)
        var first = ReportFixtures.event(pullRequest: 12)
        first.sha = "1111111aaaa"
        var second = first
        second.sha = "2222222bbbb"
        second.buildID = "78"
        try await withNotifier(gitlab) { notifier in
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .succeeded)], event: first), event: first,
                references: MemoryReferences(), logger: Logger(label: "test"))
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .succeeded)], event: second), event: second,
                references: MemoryReferences(), logger: Logger(label: "test"))
        }
        let notes = await gitlab.notes(project: "group/app", mergeRequest: 12)
        #expect(notes.count == 1)
        let body = notes.first?.body ?? ""
        #expect(body.contains("Earlier builds (1)"))
        #expect(body.components(separatedBy: "Earlier builds").last?.contains("`1111111`") == true)
        #expect(body.components(separatedBy: "Earlier builds").first?.contains("2222222") == true)
    }

    @Test func oneNoteIsCreatedThenEditedAndFoundAgainAfterARestart() async throws {
        let gitlab = FakeGitLabAPI(token: Self.token)
        let event = ReportFixtures.event(pullRequest: 12)
        try await withNotifier(gitlab) { notifier in
            let references = MemoryReferences()
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .running)], event: event), event: event,
                references: references, logger: Logger(label: "test"))
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .succeeded)], event: event), event: event,
                references: references, logger: Logger(label: "test"))
            // A restart: no stored note id; the marker and author find the same note.
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .failed)], event: event), event: event,
                references: MemoryReferences(), logger: Logger(label: "test"))
        }
        let notes = await gitlab.notes(project: "group/app", mergeRequest: 12)
        #expect(notes.count == 1)
        #expect(notes.first?.edits == 2)
        #expect(notes.first?.body.contains(GitLabNotifier.marker(for: event, project: "group/app")) == true)
        #expect(notes.first?.body.contains("1 store failed") == true)
    }

    @Test func anotherUsersNoteQuotingTheMarkerIsLeftAlone() async throws {
        let gitlab = FakeGitLabAPI(token: Self.token)
        let event = ReportFixtures.event(pullRequest: 12)
        await gitlab.addNote(project: "group/app", mergeRequest: 12, author: "mallory", body: "look " + GitLabNotifier.marker(for: event, project: "group/app"))
        await gitlab.addNote(project: "group/app", mergeRequest: 12, author: "slipway-bot", body: GitLabNotifier.marker(for: event, project: "group/app"), system: true)
        try await withNotifier(gitlab) { notifier in
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .succeeded)], event: event), event: event,
                references: MemoryReferences(), logger: Logger(label: "test"))
        }
        let notes = await gitlab.notes(project: "group/app", mergeRequest: 12)
        #expect(notes.count == 3)
        #expect(notes[0].edits == 0 && notes[1].edits == 0)
        #expect(notes[2].author == "slipway-bot" && !notes[2].system)
    }

    @Test func aWrongTokenSaysWhatToFixWithoutTheToken() async throws {
        let gitlab = FakeGitLabAPI(token: "other")
        let event = ReportFixtures.event(pullRequest: nil)
        try await withNotifier(gitlab) { notifier in
            do {
                try await notifier.publish(
                    ReportFixtures.report([ReportFixtures.result("play", .succeeded)], event: event), event: event,
                    references: MemoryReferences(), logger: Logger(label: "test"))
                Issue.record("a 401 must fail")
            } catch {
                #expect("\(error)".contains("HTTP 401"))
                #expect("\(error)".contains("token is invalid"))
                #expect(!"\(error)".contains(Self.token))
            }
        }
    }
}
