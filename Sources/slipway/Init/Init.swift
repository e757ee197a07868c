import ArgumentParser
import Foundation
import SlipwayCore

/// `slipway init`: a commented starter config for one CI, some stores and a chat, with secrets as
/// `${ENV}` references, then the variables to set and the steps to wire the CI — checked by the
/// same loader `validate` uses before it says so.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented starter config, print the environment variables to set and how to wire your CI.")

    @Option(help: "The CI that calls Slipway: \(StarterConfig.CI.allCases.map(\.rawValue).joined(separator: ", ")).")
    var ci = "github"

    @Option(help: "Stores, comma-separated: \(StarterConfig.Store.allCases.map(\.rawValue).joined(separator: ", ")).")
    var stores = "play"

    @Option(help: "A chat to report to: \(StarterConfig.Chat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var chat: String?

    @Option(name: .shortAndLong, help: "Where to write the config.")
    var output = "slipway.yml"

    @Option(help: "The address CI systems reach Slipway at (used in the wiring steps and dashboard links).")
    var publicURL = "https://slipway.example.com"

    func run() throws {
        guard let ci = StarterConfig.CI(rawValue: ci) else {
            throw ValidationError("unknown CI \"\(ci)\"; use one of \(StarterConfig.CI.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var chosen: [StarterConfig.Store] = []
        for name in stores.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let store = StarterConfig.Store(rawValue: name) else {
                throw ValidationError(
                    "unknown store \"\(name)\"; use \(StarterConfig.Store.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !chosen.contains(store) { chosen.append(store) }
        }
        guard !chosen.isEmpty else { throw ValidationError("name at least one store with --stores") }
        let chat = try self.chat.map { name in
            guard let chat = StarterConfig.Chat(rawValue: name) else {
                throw ValidationError("unknown chat \"\(name)\"; use \(StarterConfig.Chat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return chat
        }
        guard !FileManager.default.fileExists(atPath: output) else {
            throw ValidationError("\(output) exists already; Slipway does not overwrite it (pass --output another.yml)")
        }
        let text = Self.config(ci: ci, stores: chosen, chat: chat, publicURL: publicURL)
        // Checked before it is written: init never leaves a config that `validate` refuses.
        do {
            _ = try ConfigLoader.parse(yaml: text, file: output)
        } catch {
            throw ValidationError("the starter config did not validate (a Slipway bug, please report it): \(error)")
        }
        try text.write(toFile: output, atomically: true, encoding: .utf8)
        print("Wrote \(output): \(ci.rawValue) → \(chosen.map(\.rawValue).joined(separator: ", "))\(chat.map { ", reports to \($0.rawValue)" } ?? "")")
        print("\nSet these environment variables for the Slipway process (values, never in the file):")
        for name in Self.environmentVariables(in: text) { print("  \(name)") }
        print("\nWire \(ci.rawValue) to Slipway:")
        for (index, step) in StarterConfig.wiring(ci, publicURL: publicURL).enumerated() { print("  \(index + 1). \(step)") }
        print("\nThen: edit the placeholders (repository, package names, ids), `slipway validate \(output) --check-secrets`, and `slipway serve --config \(output)`.")
        print("\(output): OK — checked with the same rules as `slipway validate`")
    }

    static func config(ci: StarterConfig.CI, stores: [StarterConfig.Store], chat: StarterConfig.Chat?, publicURL: String) -> String {
        let notifications = [StarterConfig.ciNotification(ci), chat.map(StarterConfig.chat)].compactMap { $0 }
            .joined(separator: "\n")
        return """
            # Editors: point yaml-language-server at schema/slipway.schema.json from the Slipway repository.
            # Slipway config written by `slipway init`. Secrets are references only: ${ENV_NAME} or file:/path.
            # Check it with `slipway validate`; README.md has every key.
            version: 1

            server:
              host: 0.0.0.0
              port: 8080
              public_url: \(publicURL)          # links in statuses and comments point here
              database: sqlite:/var/lib/slipway/slipway.db
              data_dir: /var/lib/slipway/artifacts
              access:
                api_tokens: ["${SLIPWAY_API_TOKEN}"]     # dashboard sign-in, /api and /metrics (Authorization: Bearer)

            sources:
            \(StarterConfig.source(ci))
            stores:
            \(stores.map(StarterConfig.store).joined(separator: "\n"))
            \(notifications.isEmpty ? "" : "notifications:\n" + notifications)
            rules:
              - name: builds to \(stores.map(\.rawValue).joined(separator: " and "))
                repo: acme/android-app                   # your repository (OWNER/NAME)
                branches: [main]
                events: [push]
                artifact: "**/*.apk"                     # which file of the build to deliver
                stores: [\(stores.map(\.rawValue).joined(separator: ", "))]

            """
    }

    /// `${NAME}` references in `text` outside comments, in order, each once.
    static func environmentVariables(in text: String) -> [String] {
        var names: [String] = []
        let values = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
            .map { $0.components(separatedBy: " #").first ?? "" }.joined(separator: "\n")
        var rest = Substring(values)
        while let start = rest.range(of: "${") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "}") else { break }
            let name = String(rest[..<end])
            if !names.contains(name) { names.append(name) }
            rest = rest[end...]
        }
        return names
    }
}
