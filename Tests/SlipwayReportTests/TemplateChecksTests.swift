import Foundation
import SlipwayCore
import Testing

@testable import SlipwayReport

@Suite("Template checks")
struct TemplateChecksTests {
    @Test func theShippedTemplatesPassTheChecks() async throws {
        let renderer = try await ReportFixtures.renderer()
        #expect(TemplateChecks.check(renderer: renderer) == [])
    }

    @Test func eachJSONTemplateRendersValidJSONWithQuotesAndNewlines() async throws {
        let renderer = try await ReportFixtures.renderer()
        let report = ReportFixtures.report([
            ReportFixtures.result("play", .succeeded, links: [ReportFixtures.playLink]), ReportFixtures.result("ignite", .failed),
        ])
        for name in ["slack-message", "teams-card", "discord-message"] {
            let object = try renderer.renderJSONObject(name, report)
            let text = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]), as: UTF8.self)
            #expect(text.contains("feature/\\\"x\\\""), "\(name) keeps the quoted branch name")
        }
        let slack = try renderer.renderJSONObject("slack-message", report)
        let blocks = slack["blocks"] as? [[String: Any]] ?? []
        #expect(String(describing: blocks).contains("&lt;!channel&gt;"), "Slack text escapes mrkdwn control characters")
    }

    @Test func aBrokenTemplateIsReportedWithFileAndLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "{{% CONTENT_TYPE: TEXT}}\nok\n{{#stores}}\n{{name}\n".write(
            to: directory.appendingPathComponent("gitlab-mr-note.mustache"), atomically: true, encoding: .utf8)
        do {
            _ = try await TemplateRenderer(directory: directory, strict: true)  // as `validate` reads the folder
            Issue.record("a syntax error must stop the strict renderer")
        } catch {
            #expect(error.description.contains("gitlab-mr-note.mustache:"))
        }
    }

    @Test func aJSONTemplateThatRendersInvalidJSONIsReportedWithItsLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Unescaped: the sample's quotes break the JSON on the output's line 2 (template line 3).
        try "{{% CONTENT_TYPE: TEXT}}\n{\n  \"text\": \"{{headline}} {{commitTitle}}\",\n  \"blocks\": []\n}\n".write(
            to: directory.appendingPathComponent("slack-message.mustache"), atomically: true, encoding: .utf8)
        let problems = TemplateChecks.check(renderer: try await TemplateRenderer(directory: directory))
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("slack-message.mustache: renders invalid JSON") == true)
        #expect(problems.first?.contains("output line 2") == true, "\(problems)")
    }
}
