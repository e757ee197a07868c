import ArgumentParser
import Foundation
import SlipwayCore
import SlipwayReport

/// `slipway validate FILE`: every problem in a config file, as `FILE:LINE: message`.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a config file; print FILE:LINE: message for every problem and exit 1 if there are any.")

    @Argument(help: "The config file (YAML).")
    var configFile: String?

    @Option(name: .customLong("config"), help: "The server's config file (the same as the argument).")
    var configOption: String?

    @Option(help: "A repository's own rules file (.slipway.yml) to check against the config's repo_rules, as the server would.")
    var repoRules: String?

    @Option(help: "With --repo-rules: the repository the file belongs to, OWNER/NAME (default: from git remote origin).")
    var repo: String?

    @Flag(help: "Also resolve every ${ENV} and file: secret reference, and fail if one cannot be read.")
    var checkSecrets = false

    func validate() throws {
        if configFile == nil && configOption == nil { throw ValidationError("name the config file: slipway validate FILE (or --config FILE)") }
        if configFile != nil && configOption != nil && configFile != configOption {
            throw ValidationError("two config files given (\(configFile!) and --config \(configOption!)); keep one")
        }
        if repo != nil && repoRules == nil { throw ValidationError("--repo goes with --repo-rules PATH") }
    }

    private var file: String { configFile ?? configOption ?? "" }

    func run() async throws {
        let config: SlipwayConfig
        do {
            config = try ConfigLoader.load(path: file)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        if let repoRules {
            try checkRepositoryRules(repoRules, config: config)
            return
        }
        var problems: [String] = []
        for warning in Self.accessWarnings(config) + Self.reconcileWarnings(config) { printError(warning) }
        // The built-in templates, and the overrides of the folder the server would use (broken ones are errors here).
        let folder = locateTemplatesDirectory(explicit: config.server.templatesDirectory, configDirectory: config.baseDirectory)
        do {
                let renderer = try await TemplateRenderer(directory: folder, strict: true)
                var jsonTemplates: [String] = []
                for notification in config.notifications {
                    let textTemplate: String?
                    switch notification.settings {
                    case .github(let settings): textTemplate = settings.pullRequestComment ? settings.commentTemplate : nil
                    case .gitlab(let settings): textTemplate = settings.template
                    case .slack(let settings):
                        textTemplate = nil
                        jsonTemplates.append(settings.template)
                    case .teams(let settings):
                        textTemplate = nil
                        jsonTemplates.append(settings.template)
                    case .discord(let settings):
                        textTemplate = nil
                        jsonTemplates.append(settings.template)
                    }
                    if let textTemplate, !renderer.has(textTemplate) {
                        problems.append(
                            "\(file):\(notification.line): notification \"\(notification.name)\" uses template \"\(textTemplate)\", which is neither built in nor in \(folder?.path ?? "a templates folder")")
                    }
                }
                // Chat templates render JSON: each must parse for a sample delivered build.
                problems += TemplateChecks.check(renderer: renderer, jsonTemplates: jsonTemplates)
        } catch {
            problems.append("\(error)")
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

    /// `--repo-rules`: the repository file's problems as `FILE:LINE: message`, exit 1 if any.
    private func checkRepositoryRules(_ path: String, config: SlipwayConfig) throws {
        guard let repository = repo ?? RepositoryRulesFile.repositoryFromGit() else {
            throw ValidationError("name the repository the rules file belongs to: --repo OWNER/NAME")
        }
        let rules = try RepositoryRulesFile.load(path, repository: repository, config: config)
        if !rules.problems.isEmpty {
            for problem in rules.problems { printError(problem.description) }
            printError("\(path): \(rules.problems.count) problem(s); the server refuses the rules they are in and applies the rest")
            throw ExitCode(1)
        }
        let policy = config.repositoryRulesPolicy(for: repository)
        print(
            "\(path): OK — \(rules.rules.count) rule(s) for \(repository); the server's repo_rules (\(config.file):\(policy?.line ?? 1)) "
                + "allow stores: \(policy?.stores.joined(separator: ", ") ?? "none")")
    }

    /// What a deployer should know before exposing this config: an open dashboard, or none that anyone can open.
    static func accessWarnings(_ config: SlipwayConfig) -> [String] {
        let access = config.server.access
        var warnings: [String] = []
        if access.dashboardIsPublic {
            warnings.append(
                "\(config.file):\(access.publicLine ?? 1): warning: server.dashboard.public is true: anyone who reaches the port "
                    + "can read deliveries, commit messages and download links (an Applivery link carries its token); "
                    + "keep it behind server.admin_listen on a private address, or remove it and set server.access")
        } else if !access.hasCredentials {
            warnings.append(
                "\(config.file): warning: no server.access credential is configured: the dashboard, API and metrics answer 401 "
                    + "until you set server.access.api_tokens (for example [\"${SLIPWAY_API_TOKEN}\"]) or server.access.github")
        }
        if access.github != nil && config.server.publicURL == nil {
            warnings.append(
                "\(config.file): warning: server.access.github without server.public_url: the GitHub callback URL is taken from "
                    + "each request's Host header; set public_url to the address registered in the OAuth app")
        }
        return warnings
    }

    /// Rules reconciliation cannot cover: it lists builds per repository, so a rule without
    /// `repo:` can only be reconciled through a GitHub App's installation.
    static func reconcileWarnings(_ config: SlipwayConfig) -> [String] {
        guard config.server.reconcile.isEnabled else { return [] }
        let appCoversAll = config.sources.github?.app?.installationID != nil
        let listed = config.sources.github != nil || config.sources.gitlab != nil
        guard listed, !appCoversAll else { return [] }
        return config.rules.filter { $0.repositories.include.isEmpty }.map { rule in
            "\(config.file):\(rule.line): warning: rule \"\(rule.name)\" has no repo:, so reconciliation cannot tell where to look "
                + "for builds whose webhook was missed; name the repositories (repo: [acme/*]) or set sources.github.app.installation_id"
        }
    }

    private func secretProblems(_ config: SlipwayConfig) -> [String] {
        var references: [(String, SecretReference)] = []
        let access = config.server.access
        references += access.apiTokens.enumerated().map { ("server.access.api_tokens[\($0)]", $1) }
        if let key = access.sessionKey { references.append(("server.access.session_key", key)) }
        if let github = access.github { references.append(("server.access.github.client_secret", github.clientSecret)) }
        if let github = config.sources.github {
            references.append(("sources.github.webhook_secret", github.webhookSecret))
            if let token = github.token { references.append(("sources.github.token", token)) }
            if let app = github.app { references.append(("sources.github.app.private_key", app.privateKey)) }
        }
        if let generic = config.sources.generic { references.append(("sources.generic.secret", generic.secret)) }
        if let gitlab = config.sources.gitlab { references += [("sources.gitlab.webhook_token", gitlab.webhookToken), ("sources.gitlab.token", gitlab.token)] }
        if let bitrise = config.sources.bitrise { references += [("sources.bitrise.webhook_secret", bitrise.webhookSecret), ("sources.bitrise.token", bitrise.token)] }
        if let buildkite = config.sources.buildkite { references += [("sources.buildkite.webhook_token", buildkite.webhookToken), ("sources.buildkite.token", buildkite.token)] }
        if let circleci = config.sources.circleci { references += [("sources.circleci.webhook_secret", circleci.webhookSecret), ("sources.circleci.token", circleci.token)] }
        for store in config.stores {
            for (field, reference) in store.settings.described.secretReferences {
                references.append(("stores.\(store.name).\(field)", reference))
            }
        }
        for notification in config.notifications {
            let field = "notifications.\(notification.name)"
            switch notification.settings {
            case .github: break
            case .gitlab(let settings): references.append(("\(field).token", settings.token))
            case .teams(let settings): references.append(("\(field).webhook_url", settings.webhookURL))
            case .discord(let settings): references.append(("\(field).webhook_url", settings.webhookURL))
            case .slack(let settings):
                switch settings.delivery {
                case .webhook(let url): references.append(("\(field).webhook_url", url))
                case .bot(let token, _): references.append(("\(field).token", token))
                }
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
