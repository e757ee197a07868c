import Foundation
import Mustache
import SlipwayCore
import Testing

@testable import SlipwayReport

/// The compiled-in templates are `templates/` exactly, and a team's folder overrides them file by
/// file without ever leaving a report empty.
@Suite("Built-in templates and overrides")
struct BuiltInTemplatesTests {
    static let folder = ReportFixtures.templatesDirectory

    @Test func theBuiltInTemplatesAreTheRepositorysTemplatesFolder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".mustache") }
        #expect(Set(files.map { String($0.dropLast(".mustache".count)) }) == Set(BuiltInTemplates.all.keys))
        for file in files {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
            #expect(BuiltInTemplates.all[String(file.dropLast(".mustache".count))] == text,
                "\(file) differs from the compiled-in copy: run scripts/embed-templates")
        }
    }

    @Test func everyBuiltInTemplateParses() {
        for (name, text) in BuiltInTemplates.all {
            #expect(throws: Never.self, "\(name)") { _ = try MustacheTemplate(string: text) }
        }
    }

    func overrides(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("overrides-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return folder
    }

    @Test func withNoFolderEveryReportRendersFromTheBuiltInTemplates() async throws {
        let renderer = try await TemplateRenderer()
        let comment = try renderer.render("github-pr-comment", ReportFixtures.report([ReportFixtures.result("play", .succeeded, links: [ReportFixtures.playLink])]))
        #expect(comment.contains("Slipway"))
        #expect(!comment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(TemplateChecks.check(renderer: renderer).isEmpty)
    }

    @Test func aFolderOverridesFileByFileAndTheRestStayBuiltIn() async throws {
        let folder = try overrides(["github-pr-comment.mustache": "Custom comment for {{repository}}"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let renderer = try await TemplateRenderer(directory: folder)
        #expect(try renderer.render("github-pr-comment", ReportFixtures.report([ReportFixtures.result("play", .succeeded, links: [ReportFixtures.playLink])])) == "Custom comment for group/app")
        #expect(renderer.isOverridden("github-pr-comment"))
        #expect(!renderer.isOverridden("slack-message"))
        #expect(try renderer.render("slack-message", ReportFixtures.report([ReportFixtures.result("play", .succeeded, links: [ReportFixtures.playLink])])).contains("\"blocks\""))
    }

    @Test func aBrokenOverrideIsSkippedWithItsFileAndLineOrRefusedWhenStrict() async throws {
        let folder = try overrides(["github-pr-comment.mustache": "line one\n{{#stores}}\nnever closed\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let lenient = try await TemplateRenderer(directory: folder)
        let warning = try #require(lenient.warnings.first)
        #expect(warning.contains(folder.appendingPathComponent("github-pr-comment.mustache").path + ":"))
        #expect(warning.contains("the built-in github-pr-comment template is used instead"))
        #expect(try lenient.render("github-pr-comment", ReportFixtures.report([ReportFixtures.result("play", .succeeded, links: [ReportFixtures.playLink])])).contains("Slipway"))

        await #expect(throws: TemplateError.self) { _ = try await TemplateRenderer(directory: folder, strict: true) }
        do {
            _ = try await TemplateRenderer(directory: folder, strict: true)
        } catch {
            guard case .syntax(let file, let line, _, _) = error else { Issue.record("expected a syntax error, got \(error)"); return }
            #expect(file.hasSuffix("github-pr-comment.mustache"))
            #expect(line >= 2)
        }
    }

    @Test func anOverrideThatRendersNothingFallsBackSoNoReportIsEmpty() async throws {
        let folder = try overrides(["github-pr-comment.mustache": "{{#noSuchField}}text{{/noSuchField}}\n  \n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let renderer = try await TemplateRenderer(directory: folder)
        let comment = try renderer.render("github-pr-comment", ReportFixtures.report([ReportFixtures.result("play", .succeeded, links: [ReportFixtures.playLink])]))
        #expect(comment.contains("Slipway"))
    }

    @Test func aRunningDeliveryHasOneSpaceInItsHeadingAndAQueuedStoreSaysQueuedOnce() async throws {
        let renderer = try await TemplateRenderer()
        let report = ReportFixtures.report([ReportFixtures.result("play", .pending), ReportFixtures.result("ps", .running)])
        for template in ["github-pr-comment", "gitlab-mr-note"] {
            let heading = try #require(try renderer.render(template, report).split(separator: "\n").first)
            #expect(heading == "### Slipway: Delivering…", "\(template)")
        }
        var queued = StoreResult(store: "play", storeType: .googlePlay, state: .pending, summary: "queued")
        var line = try renderer.renderLine("github-status-description", ReportFixtures.report([queued]).stores[0])
        #expect(line == "queued")
        queued.summary = "artifact download will be retried"
        line = try renderer.renderLine("github-status-description", ReportFixtures.report([queued]).stores[0])
        #expect(line == "queued · artifact download will be retried")
    }
}
