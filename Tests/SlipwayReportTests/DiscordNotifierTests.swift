import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore
import SlipwayFakes
import Testing

@testable import SlipwayReport

@Suite("Discord messages")
struct DiscordNotifierTests {
    static let logger = Logger(label: "test")

    func withNotifier(_ discord: FakeDiscordWebhook, body: (DiscordNotifier) async throws -> Void) async throws {
        let templates = try await ReportFixtures.renderer()
        try await discord.run { url in
            try await body(
                DiscordNotifier(
                    name: "discord", webhookURL: Secret(url), username: "Slipway", templates: templates,
                    http: ServiceHTTP(service: "Discord", httpClient: .shared, logger: Self.logger, retryDelay: .milliseconds(10))))
        }
    }

    @Test func theMessageIsPostedWithWaitThenEditedInPlace() async throws {
        let discord = FakeDiscordWebhook(token: "discord-secret-token")
        let references = MemoryReferences()
        try await withNotifier(discord) { notifier in
            for state in [StoreResult.State.running, .succeeded] {
                try await notifier.publish(
                    ReportFixtures.report([ReportFixtures.result("play", state)]), event: ReportFixtures.event(),
                    references: references, logger: Self.logger)
            }
        }
        let messages = await discord.messages
        #expect(messages.count == 1)
        #expect(messages.first?.edits == 1)
        #expect(await references.values["discord-message"] == messages.first?.id)
        #expect(await discord.requestLog == ["POST execute wait", "PATCH message"])
        let object = try #require(try JSONSerialization.jsonObject(with: messages[0].body) as? [String: Any])
        #expect((object["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
    }

    @Test func a429RetryAfterInTheJSONIsHonoured() async throws {
        let discord = FakeDiscordWebhook(token: "discord-secret-token")
        await discord.enqueueRateLimit(retryAfter: 0.05)
        try await withNotifier(discord) { notifier in
            try await notifier.publish(
                ReportFixtures.report([ReportFixtures.result("play", .running)]), event: ReportFixtures.event(),
                references: MemoryReferences(), logger: Self.logger)
        }
        #expect(await discord.requestLog == ["POST execute wait", "POST execute wait"])
        #expect(await discord.messages.count == 1)
    }

    @Test func aDeletedWebhookIsReportedWithWhatToDo() async throws {
        let discord = FakeDiscordWebhook(token: "discord-secret-token")
        await discord.delete()
        try await withNotifier(discord) { notifier in
            do {
                try await notifier.publish(
                    ReportFixtures.report([ReportFixtures.result("play", .running)]), event: ReportFixtures.event(),
                    references: MemoryReferences(), logger: Self.logger)
                Issue.record("a 404 must fail")
            } catch {
                #expect("\(error)".contains("Unknown Webhook"))
                #expect(!"\(error)".contains("discord-secret-token"))
            }
        }
    }

    @Test func aLongReportStaysWithinDiscordsLimits() async throws {
        let discord = FakeDiscordWebhook(token: "discord-secret-token")
        let long = String(repeating: "z", count: 3000)
        let results = (0..<30).map { index in
            StoreResult(store: "store\(index)", storeType: .applivery, state: .succeeded, summary: long)
        }
        var event = ReportFixtures.event()
        event.branch = String(repeating: "b", count: 2500)
        try await withNotifier(discord) { notifier in
            try await notifier.publish(
                ReportFixtures.report(results, event: event), event: event, references: MemoryReferences(), logger: Self.logger)
        }
        let messages = await discord.messages
        #expect(messages.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: messages[0].body) as? [String: Any])
        #expect(((object["content"] as? String)?.count ?? 0) <= 2000)
        #expect(DiscordMessage.total(object["embeds"] as? [[String: Any]] ?? []) <= 6000)
    }
}
