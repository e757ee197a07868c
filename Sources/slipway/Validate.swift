import ArgumentParser
import Foundation
import SlipwayCore
import SlipwayReport

/// `slipway validate FILE`: every problem in a config file, as `FILE:LINE: message`.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config file; print FILE:LINE: message for every problem and exit 1 if there are any.")

    @Argument(help: "The config file (YAML).")
    var file: String

    @Flag(help: "Also resolve every ${ENV} and file: secret reference, and fail if one cannot be read.")
    var checkSecrets = false

    func run() async throws {
        let config: SlipwayConfig
        do {
            config = try ConfigLoader.load(path: file)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        var problems: [String] = []
        if let folder = locateTemplatesDirectory(explicit: config.server.templatesDirectory, configDirectory: config.baseDirectory) {
            do {
                _ = try await TemplateRenderer(directory: folder)
            } catch {
                problems.append("\(error)")
            }
        }
        if checkSecrets {
            problems += secretProblems(config)
        }
        if !problems.isEmpty {
            for problem in problems { printError(problem) }
            throw ExitCode(1)
        }
        print("\(file): OK — \(config.rules.count) rule(s), \(config.stores.count) store(s), \(config.notifications.count) notification target(s)")
    }

    private func secretProblems(_ config: SlipwayConfig) -> [String] {
        var references: [(String, SecretReference)] = []
        if let github = config.sources.github {
            references += [("sources.github.webhook_secret", github.webhookSecret), ("sources.github.token", github.token)]
        }
        if let generic = config.sources.generic { references.append(("sources.generic.secret", generic.secret)) }
        for store in config.stores {
            for (field, reference) in store.settings.described.secretReferences {
                references.append(("stores.\(store.name).\(field)", reference))
            }
        }
        let environment = ProcessInfo.processInfo.environment
        return references.compactMap { field, reference in
            do {
                _ = try reference.resolve(environment: environment, baseDirectory: config.baseDirectory)
                return nil
            } catch {
                return "\(file): \(field) (\(reference)): \(error)"
            }
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
