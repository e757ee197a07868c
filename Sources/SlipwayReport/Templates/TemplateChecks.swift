import Foundation
import SlipwayCore

/// Checks beyond Mustache syntax, for `slipway validate` and start-up: a template meant to produce
/// JSON (Slack blocks, a Teams card, a Discord message) is rendered with sample reports whose texts
/// hold quotes, backslashes, newlines and `<>&`, and the result must parse. An unescaped
/// `{{headline}}` or a trailing comma is caught here rather than by the first delivery.
package enum TemplateChecks {
    /// Templates whose output is JSON whatever their content looks like.
    package static let jsonTemplates: Set<String> = ["slack-message", "teams-card", "discord-message"]

    /// One line per problem, each starting with the template's file. `jsonTemplates` adds the names
    /// a config points at (`template:` of a Slack, Teams or Discord notification); besides these,
    /// any template whose sample rendering starts with `{` or `[` is checked as JSON.
    package static func check(renderer: TemplateRenderer, jsonTemplates extra: [String] = []) -> [String] {
        let names = renderer.names
        var expected = jsonTemplates.union(extra)
        var problems: [String] = []
        for name in expected.sorted() where !names.contains(name) && extra.contains(name) {
            problems.append("\(name).mustache: neither built in nor in \(renderer.directory?.path ?? "a templates folder"), but a notification uses it")
        }
        expected.formIntersection(names)
        for name in names.sorted() {
            for (label, report) in samples() {
                let output: String
                do {
                    output = try renderer.render(name, report)
                } catch {
                    problems.append("\(name).mustache: \(error)")
                    break
                }
                let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
                guard expected.contains(name) || trimmed.hasPrefix("{") || trimmed.hasPrefix("[") else { break }
                if let problem = jsonProblem(trimmed) {
                    problems.append("\(name).mustache: renders invalid JSON for \(label): \(problem)")
                    break
                }
            }
        }
        return problems
    }

    /// Where the rendered text stops being JSON, as line and a quote of that line; nil when it parses.
    static func jsonProblem(_ text: String) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return nil
        } catch {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            // Find the first line after which the text cannot be a JSON prefix: cheap bisection on lines.
            let line = firstBadLine(lines) ?? lines.count
            let quoted = lines.indices.contains(line - 1) ? String(lines[line - 1].prefix(120)) : ""
            return "output line \(line): \(quoted.trimmingCharacters(in: .whitespaces)) (check escaping: use {{#json}}…{{/json}} and commas between list items)"
        }
    }

    /// The first output line whose addition makes the text fail in a way closing brackets cannot mend.
    private static func firstBadLine(_ lines: [Substring]) -> Int? {
        for count in 1...max(1, lines.count) {
            let prefix = lines.prefix(count).joined(separator: "\n")
            if !canBeCompleted(prefix) { return count }
        }
        return nil
    }

    /// Whether `prefix` could start a JSON document: closes open strings and brackets and tries to
    /// parse, allowing a dangling comma or colon.
    private static func canBeCompleted(_ prefix: String) -> Bool {
        var stack: [Character] = []
        var inString = false
        var escaped = false
        for character in prefix {
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false } else if character == "\n" { return false }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{": stack.append("}")
            case "[": stack.append("]")
            case "}", "]":
                guard stack.last == character else { return false }
                stack.removeLast()
            default: break
            }
        }
        var candidate = prefix
        if inString { candidate += escaped ? "\\\"" : "\"" }
        var trimmed = candidate.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasSuffix(",") { trimmed.removeLast() }
        if trimmed.hasSuffix(":") { trimmed += "null" }
        let closed = trimmed + String(stack.reversed())
        if (try? JSONSerialization.jsonObject(with: Data(closed.utf8), options: [.fragmentsAllowed])) != nil { return true }
        // An object key without its value yet (`{"a"` → `{"a":null}`).
        let withValue = trimmed + ":null" + String(stack.reversed())
        return (try? JSONSerialization.jsonObject(with: Data(withValue.utf8), options: [.fragmentsAllowed])) != nil
            || trimmed.isEmpty
    }

    /// `*.mustache` files at the top of `directory`, without the extension.
    /// Reports covering the template branches: all delivered with links and awkward text; one
    /// failed with no links, no PR and no optional URLs; one still uploading.
    package static func samples() -> [(String, BuildReport)] {
        let awkward = "fix \"quotes\", back\\slash, <!channel> & tabs\tand\nnew lines"
        let event = BuildEvent(
            provider: .gitlab, repository: "group/app", branch: "feature/\"x\"<y>", sha: "0123456789abcdef",
            trigger: .pullRequest, pullRequest: 12, conclusion: .success, buildID: "77",
            buildURL: "https://ci.example/p/77?a=1&b=2", artifactSource: .localFile("/tmp/app.aab"),
            commitMessage: awkward + "\nsecond line")
        let delivered = [
            StoreResult(
                store: "play", storeType: .googlePlay, state: .succeeded, summary: "uploaded: \"internal\" link",
                links: [.init(title: "Install \"link\"", url: "https://play.google.com/apps/test/x?y=1&z=2")],
                details: [.init(label: "sha256", value: "ab\"cd\\ef")]),
            StoreResult(
                store: "applivery", storeType: .applivery, state: .succeeded, summary: awkward,
                links: [.init(title: "Applivery", url: "https://applivery.example/d/1")]),
        ]
        let failedEvent = BuildEvent(
            provider: .github, repository: "acme/app", branch: nil, tag: "v1.0", sha: "fedcba9876543210", trigger: .tag,
            conclusion: .success, buildID: "9", artifactSource: .localFile("/tmp/app.apk"))
        let failed = [
            StoreResult(
                store: "ignite", storeType: .ignite, state: .failed, summary: "failed",
                failure: StoreFailure(step: "upload \"APK\"", message: awkward, hint: "check the <token> & retry")),
            StoreResult(store: "amazon", storeType: .amazonAppstore, state: .waiting, summary: "in review"),
        ]
        let running = [StoreResult(store: "play", storeType: .googlePlay, state: .running, summary: "uploading")]
        return [
            ("a delivered build", BuildReport(
                deliveryID: "d-1", event: event, matchedRules: ["qa \"builds\""], results: delivered,
                dashboardURL: "https://slipway.example/deliveries/d-1")),
            ("a failed build", BuildReport(
                deliveryID: "d-2", event: failedEvent, matchedRules: ["release"], results: failed, dashboardURL: nil)),
            ("a build being uploaded", BuildReport(
                deliveryID: "d-3", event: failedEvent, matchedRules: ["release"], results: running, dashboardURL: nil)),
        ]
    }
}

extension TemplateRenderer {
    /// Renders `name` with `report` and parses the result as a JSON object: the shape Slack, Teams
    /// and Discord templates produce.
    package func renderJSONObject(_ name: String, _ report: BuildReport) throws(ReportError) -> [String: Any] {
        let output: String
        do {
            output = try render(name, report)
        } catch {
            throw .template(name: name, reason: "\(error)")
        }
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw .template(
                name: name,
                reason: "did not render a JSON object" + (TemplateChecks.jsonProblem(text).map { " (\($0))" } ?? ""))
        }
        return object
    }
}
