import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore
import SlipwayFakes
import Testing

@testable import SlipwayReport

@Suite("Slack messages")
struct SlackNotifierTests {
    static let token = "xoxb-report-test-token"
    static let logger = Logger(label: "test")

    func withNotifier(_ slack: FakeSlack, webhook: Bool = false, body: (SlackNotifier) async throws -> Void) async throws {
        let templates = try await ReportFixtures.renderer()
        try await slack.run { base in
            let target: SlackNotifier.Target =
                webhook ? .webhook(url: Secret("\(base)/services/\(slack.webhookSecret)")) : .bot(token: Secret(Self.token), channel: "C0123")
            let http = ServiceHTTP(service: "Slack", httpClient: .shared, logger: Self.logger, retryDelay: .milliseconds(10))
            try await body(SlackNotifier(name: "slack", target: target, apiURL: base + "/api", templates: templates, http: http))
        }
    }

    @Test func aBotPostsOnceThenUpdatesTheSameMessage() async throws {
        let slack = FakeSlack(token: Self.token)
        let references = MemoryReferences()
        try await withNotifier(slack) { notifier in
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .running)]), event: ReportFixtures.event(),
                references: references, logger: Self.logger)
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .succeeded, links: [ReportFixtures.playLink])]),
                event: ReportFixtures.event(), references: references, logger: Self.logger)
        }
        let messages = await slack.messages
        #expect(messages.count == 1)
        #expect(messages.first?.updates == 1)
        #expect(await references.values["slack-ts"] == messages.first?.ts)
        let blocks = try #require(try JSONSerialization.jsonObject(with: messages[0].blocks) as? [[String: Any]])
        let actions = try #require(blocks.first { $0["type"] as? String == "actions" })
        let buttons = actions["elements"] as? [[String: Any]] ?? []
        #expect(buttons.map { $0["url"] as? String } == ["https://play.example/t/abc?x=1&y=2"])
    }

    @Test func okFalseSurfacesSlacksError() async throws {
        let slack = FakeSlack(token: Self.token)
        await slack.enqueue(.okFalse("not_in_channel"))
        try await withNotifier(slack) { notifier in
            do {
                try await notifier.publish(
                    ReportFixtures.report([ReportFixtures.result("play", .running)]), event: ReportFixtures.event(),
                    references: MemoryReferences(), logger: Self.logger)
                Issue.record("ok:false must fail")
            } catch {
                #expect("\(error)".contains("not_in_channel"))
                #expect("\(error)".contains("/invite"))
                #expect(!"\(error)".contains(Self.token))
            }
        }
        #expect(await slack.messages.isEmpty)
    }

    @Test func aRateLimitIsRetriedAfterRetryAfter() async throws {
        let slack = FakeSlack(token: Self.token)
        await slack.enqueue(.rateLimited(retryAfterSeconds: 1))
        try await withNotifier(slack) { notifier in
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .running)]), event: ReportFixtures.event(),
                references: MemoryReferences(), logger: Self.logger)
        }
        #expect(await slack.requestLog == ["POST chat.postMessage", "POST chat.postMessage"])
        #expect(await slack.messages.count == 1)
    }

    @Test func aWebhookPostsOncePerSettledOutcome() async throws {
        let slack = FakeSlack(token: Self.token)
        let references = MemoryReferences()
        try await withNotifier(slack, webhook: true) { notifier in
            for results in [
                [ReportFixtures.result("play", .running), ReportFixtures.result("ignite", .pending)],
                [ReportFixtures.result("play", .succeeded), ReportFixtures.result("ignite", .running)],
                [ReportFixtures.result("play", .succeeded), ReportFixtures.result("ignite", .failed)],
                [ReportFixtures.result("play", .succeeded), ReportFixtures.result("ignite", .failed)],
            ] {
                try await notifier.publish(
                    ReportFixtures.report(results), event: ReportFixtures.event(), references: references, logger: Self.logger)
            }
        }
        let posts = await slack.webhookPosts
        #expect(posts.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: posts[0]) as? [String: Any])
        #expect((object["text"] as? String)?.contains("1 store failed") == true)
    }

    @Test func oversizedMessagesAreCutToSlacksLimits() {
        let blocks = (0..<60).map { _ in ["type": "section", "text": ["type": "mrkdwn", "text": String(repeating: "x", count: 4000)]] }
        let fitted = SlackMessage.fit(["blocks": blocks], fallback: "headline")
        let out = fitted["blocks"] as? [[String: Any]] ?? []
        #expect(out.count == 50)
        #expect(((out[0]["text"] as? [String: Any])?["text"] as? String)?.count == 3000)
        #expect(fitted["text"] as? String == "headline")
    }
}
