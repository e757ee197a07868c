import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore
import SlipwayFakes
import Testing

@testable import SlipwayReport

@Suite("Teams cards")
struct TeamsNotifierTests {
    static let logger = Logger(label: "test")

    @Test func aValidAdaptiveCardWithTheLinksIsPostedOncePerSettledOutcome() async throws {
        let teams = FakeTeamsWorkflow(signature: "sig-secret")
        let templates = try await ReportFixtures.renderer()
        let references = MemoryReferences()
        try await teams.run { url in
            let notifier = TeamsNotifier(
                name: "teams", webhookURL: Secret(url), templates: templates,
                http: ServiceHTTP(service: "Teams", httpClient: .shared, logger: Self.logger, retryDelay: .milliseconds(10)))
            for state in [StoreResult.State.running, .succeeded, .succeeded] {
                try await notifier.publish(
                    ReportFixtures.report([ReportFixtures.result("play", state, links: [ReportFixtures.playLink])]),
                    event: ReportFixtures.event(), references: references, logger: Self.logger)
            }
        }
        let posts = await teams.posts
        #expect(posts.count == 1)
        let message = try #require(try JSONSerialization.jsonObject(with: posts[0]) as? [String: Any])
        #expect(message["type"] as? String == "message")
        let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard")
        let actions = card["actions"] as? [[String: Any]] ?? []
        #expect(actions.map { $0["url"] as? String } == ["https://play.example/t/abc?x=1&y=2"])
    }

    @Test func aWrongSignatureFailsWithoutShowingTheURL() async throws {
        let teams = FakeTeamsWorkflow(signature: "sig-secret")
        let templates = try await ReportFixtures.renderer()
        try await teams.run { url in
            let wrong = url.replacingOccurrences(of: "sig=sig-secret", with: "sig=nope")
            let notifier = TeamsNotifier(
                name: "teams", webhookURL: Secret(wrong), templates: templates,
                http: ServiceHTTP(service: "Teams", httpClient: .shared, logger: Self.logger, retryDelay: .milliseconds(10)))
            do {
                try await notifier.publish(
                    ReportFixtures.report([ReportFixtures.result("play", .succeeded)]), event: ReportFixtures.event(),
                    references: MemoryReferences(), logger: Self.logger)
                Issue.record("a 401 must fail")
            } catch {
                #expect("\(error)".contains("HTTP 401"))
                #expect(!"\(error)".contains("sig="))
            }
        }
    }

    @Test func anOversizedCardIsCutUnderTheLimit() throws {
        let body = (0..<100).map { _ in ["type": "TextBlock", "text": String(repeating: "y", count: 1000)] }
        let data = try #require(TeamsNotifier.message(card: ["type": "AdaptiveCard", "body": body], payload: .message))
        #expect(data.count <= TeamsNotifier.sizeLimit)
    }
}
