import Foundation
import Yams

/// Turns a config file into a `SlipwayConfig`, or into the full list of what is wrong with it,
/// each problem with its file and line.
///
/// Two steps, as Atlantis does: read the YAML tree loosely (keeping line marks), then check every
/// field and cross-reference. Domain code only ever sees the validated result.
package enum ConfigLoader {
    package static let topLevelKeys = ConfigKeys.topLevel

    package static func load(path: String) throws(ConfigError) -> SlipwayConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        return try parse(yaml: text, file: path)
    }

    package static func parse(yaml: String, file: String) throws(ConfigError) -> SlipwayConfig {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw ConfigError.invalid([
                    ConfigDiagnostic(file: file, line: 1, message: "the file is empty; start from the example in README.md")
                ])
            }
            root = composed
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw .invalid([yamlSyntaxDiagnostic(error, file: file)])
        } catch {
            throw .invalid([ConfigDiagnostic(file: file, line: 1, message: "not valid YAML: \(error)")])
        }
        var reader = YAMLNodeReader(file: file)
        let config = build(root, file: file, reader: &reader)
        if !reader.diagnostics.isEmpty || config == nil {
            let sorted = reader.diagnostics.sorted { $0.line < $1.line }
            throw .invalid(sorted.isEmpty ? [ConfigDiagnostic(file: file, line: 1, message: "invalid config")] : sorted)
        }
        return config!
    }

    static func yamlSyntaxDiagnostic(_ error: YamlError, file: String) -> ConfigDiagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigDiagnostic(file: file, line: mark.line, message: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, _):
            return ConfigDiagnostic(
                file: file, line: 1, message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return ConfigDiagnostic(file: file, line: 1, message: "not valid YAML: \(error)")
        }
    }

    private static func build(_ root: Node, file: String, reader: inout YAMLNodeReader) -> SlipwayConfig? {
        guard let top = reader.entries(root, in: "the config file", allowed: topLevelKeys) else { return nil }
        if let version = top["version"] {
            if reader.int(version.value, "version", range: 1...1) == nil { return nil }
        }
        let server = top["server"].map { readServer($0.value, reader: &reader) } ?? ServerSettings()
        let sources = top["sources"].map { readSources($0.value, reader: &reader) } ?? SourceSettings()
        let stores = top["stores"].map { readStores($0.value, reader: &reader) } ?? []
        let notifications = top["notifications"].map { readNotifications($0.value, reader: &reader) } ?? []
        guard let rulesNode = top["rules"] else {
            reader.error(line: root.mark?.line ?? 1, "the config has no \"rules:\"; without rules no build is delivered")
            return nil
        }
        // Names declared under stores: even when their settings were invalid, so rules naming them
        // are not reported a second time as "not declared".
        var declaredStores: Set<String> = []
        var storeNodes: [String: (key: Node, value: Node)] = [:]
        if let storesNode = top["stores"]?.value, case .mapping(let mapping) = storesNode {
            for (key, value) in mapping {
                if let name = key.scalar?.string {
                    declaredStores.insert(name)
                    storeNodes[name] = (key, value)
                }
            }
        }
        var rules = readRules(
            rulesNode.value, stores: stores, declaredStores: declaredStores, notifications: notifications, reader: &reader)
        readStoreOverrides(rulesNode.value, into: &rules, stores: stores, storeNodes: storeNodes, reader: &reader)

        let repositoryRules = top["repo_rules"].map {
            readRepositoryRulesPolicies($0.value, declaredStores: declaredStores, reader: &reader)
        } ?? []
        for notification in notifications where notification.type == .github && sources.github == nil {
            reader.error(
                line: notification.line,
                "notification \"\(notification.name)\" reports to GitHub, but there is no valid \"sources: github:\" (with a token or an app)")
        }
        var config = SlipwayConfig(
            file: file, server: server, sources: sources, stores: stores, notifications: notifications, rules: rules)
        config.repositoryRules = repositoryRules
        return config
    }

    // MARK: server

    private static func readServer(_ node: Node, reader: inout YAMLNodeReader) -> ServerSettings {
        var settings = ServerSettings()
        guard let entries = reader.entries(node, in: "server", allowed: ConfigKeys.server) else { return settings }
        if let n = entries["host"]?.value, let v = reader.string(n, "server.host") { settings.host = v }
        if let n = entries["port"]?.value, let v = reader.int(n, "server.port", range: 0...65535) { settings.port = v }
        if let n = entries["public_url"]?.value, let v = reader.url(n, "server.public_url") { settings.publicURL = v }
        if let n = entries["database"]?.value, let v = reader.string(n, "server.database") {
            if v.hasPrefix("sqlite:") || v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") {
                settings.database = v
            } else {
                reader.error(n, "server.database must be sqlite:PATH or postgres://USER@HOST:PORT/DB, not \"\(v)\"")
            }
        }
        if let n = entries["data_dir"]?.value, let v = reader.string(n, "server.data_dir") { settings.dataDirectory = v }
        if let n = entries["max_webhook_bytes"]?.value,
            let v = reader.int(n, "server.max_webhook_bytes", range: 1024...(100 * 1024 * 1024))
        {
            settings.maxWebhookBytes = v
        }
        if let n = entries["workers"]?.value, let v = reader.int(n, "server.workers", range: 0...64) { settings.workers = v }
        if let n = entries["retention_days"]?.value, let v = reader.int(n, "server.retention_days", range: 0...36_500) {
            settings.retentionDays = v
        }
        if let n = entries["shutdown_grace_seconds"]?.value, let v = reader.int(n, "server.shutdown_grace_seconds", range: 0...86_400) {
            settings.shutdownGraceSeconds = v
        }
        if let n = entries["templates"]?.value, let v = reader.string(n, "server.templates") {
            settings.templatesDirectory = v
        }
        if let n = entries["access"]?.value { readAccess(n, into: &settings.access, reader: &reader) }
        if let n = entries["dashboard"]?.value { readDashboard(n, into: &settings.access, reader: &reader) }
        if let n = entries["outbound"]?.value { settings.outbound = readOutbound(n, reader: &reader) }
        if let n = entries["polling"]?.value { settings.polling = readPolling(n, reader: &reader) }
        if let n = entries["retry"]?.value { settings.retry = readRetry(n, reader: &reader) }
        if let n = entries["reconcile"]?.value { settings.reconcile = readReconcile(n, reader: &reader) }
        if let n = entries["trusted_proxies"]?.value {
            settings.trustedProxies = readNetworks(n, "server.trusted_proxies", reader: &reader)
        }
        if let n = entries["admin_listen"]?.value, let v = reader.string(n, "server.admin_listen") {
            if let address = ListenAddress(parsing: v) {
                settings.adminListen = address
            } else {
                reader.error(n, "server.admin_listen must be HOST:PORT, like 127.0.0.1:9090, not \"\(v)\"")
            }
        }
        return settings
    }

    // MARK: sources

    private static func readSources(_ node: Node, reader: inout YAMLNodeReader) -> SourceSettings {
        var sources = SourceSettings()
        guard
            let entries = reader.entries(
                node, in: "sources", allowed: ConfigKeys.sources)
        else { return sources }
        if let github = entries["github"] {
            if let fields = reader.entries(
                github.value, in: "sources.github", allowed: ConfigKeys.github)
            {
                let secret = require(fields, "webhook_secret", in: "sources.github", at: github.value, reader: &reader)
                    .flatMap { reader.secretReference($0, "sources.github.webhook_secret") }
                let credentials = readGitHubCredentials(fields, at: github.value, reader: &reader)
                if let secret, let credentials {
                    var source = GitHubSource(webhookSecret: secret, token: credentials.token)
                    source.app = credentials.app
                    if let n = fields["api_url"]?.value, let v = reader.url(n, "sources.github.api_url") {
                        source.apiURL = v
                    }
                    if let n = fields["login"]?.value, let v = reader.string(n, "sources.github.login") {
                        source.login = v
                    }
                    sources.github = source
                }
            }
        }
        if let generic = entries["generic"] {
            if let fields = reader.entries(
                generic.value, in: "sources.generic", allowed: ConfigKeys.generic)
            {
                let secret = require(fields, "secret", in: "sources.generic", at: generic.value, reader: &reader)
                    .flatMap { reader.secretReference($0, "sources.generic.secret") }
                if let secret {
                    var source = GenericSource(secret: secret)
                    if let n = fields["tolerance_seconds"]?.value,
                        let v = reader.int(n, "sources.generic.tolerance_seconds", range: 1...3600)
                    {
                        source.toleranceSeconds = v
                    }
                    if let n = fields["allowed_artifact_hosts"]?.value,
                        let v = reader.stringList(n, "sources.generic.allowed_artifact_hosts")
                    {
                        source.allowedArtifactHosts = v.map { $0.0.lowercased() }
                    }
                    sources.generic = source
                }
            }
        }
        if let gitlab = entries["gitlab"] { sources.gitlab = readGitLabSource(gitlab.value, reader: &reader) }
        if let bitrise = entries["bitrise"] { sources.bitrise = readBitriseSource(bitrise.value, reader: &reader) }
        if let buildkite = entries["buildkite"] { sources.buildkite = readBuildkiteSource(buildkite.value, reader: &reader) }
        if let circleci = entries["circleci"] { sources.circleci = readCircleCISource(circleci.value, reader: &reader) }
        return sources
    }

    // MARK: rules

    private static let ruleKeys = ConfigKeys.rule

    /// - Parameter policyStores: for a repository's file, the stores its `repo_rules` entry allows
    ///   (a declared store outside it is refused on its line); nil for the server's own rules.
    static func readRules(
        _ node: Node, stores: [StoreDefinition], declaredStores: Set<String>, notifications: [NotificationDefinition],
        policyStores: Set<String>? = nil, reader: inout YAMLNodeReader
    ) -> [RoutingRule] {
        guard case .sequence(let sequence) = node else {
            reader.error(node, "rules must be a list; start each rule with \"- name: …\"")
            return []
        }
        var rules: [RoutingRule] = []
        for (index, item) in sequence.enumerated() {
            guard let fields = reader.entries(item, in: "rule #\(index + 1)", allowed: ruleKeys) else { continue }
            let line = item.mark?.line ?? 1
            guard let nameNode = fields["name"]?.value else {
                reader.error(item, "rule #\(index + 1) has no \"name:\"; names appear in explain output and PR comments")
                continue
            }
            guard let name = reader.string(nameNode, "rule name") else { continue }
            let what = "rule \"\(name)\""
            if rules.contains(where: { $0.name == name }) {
                reader.error(nameNode, "\(what) is declared twice; rule names must be unique")
            }

            var repositories = GlobFilter.any
            if fields["repo"] != nil && fields["repos"] != nil {
                reader.error(item, "\(what) has both \"repo\" and \"repos\"; keep one")
            }
            if let n = (fields["repo"] ?? fields["repos"])?.value, let v = reader.globFilter(n, "\(what) repo") {
                repositories = v
            }
            let branches = fields["branches"].flatMap { reader.globFilter($0.value, "\(what) branches") } ?? .any
            let tags = fields["tags"].flatMap { reader.globFilter($0.value, "\(what) tags") } ?? .any

            var triggers: Set<BuildEvent.Trigger> = [.push, .pullRequest]
            if let n = fields["events"]?.value, let values = reader.stringList(n, "\(what) events") {
                triggers = []
                for (value, valueNode) in values {
                    if let trigger = BuildEvent.Trigger(rawValue: value) {
                        triggers.insert(trigger)
                    } else {
                        reader.error(
                            valueNode,
                            "unknown event \"\(value)\" in \(what); use push, pull_request or tag")
                    }
                }
            } else if fields["tags"] != nil {
                triggers.insert(.tag)
            }

            var conclusions: Set<BuildEvent.Conclusion> = [.success]
            if let n = fields["conclusion"]?.value, let values = reader.stringList(n, "\(what) conclusion") {
                conclusions = []
                for (value, valueNode) in values {
                    if value == "any" {
                        conclusions = Set(BuildEvent.Conclusion.allCases)
                    } else if let conclusion = BuildEvent.Conclusion(rawValue: value) {
                        conclusions.insert(conclusion)
                    } else {
                        reader.error(
                            valueNode,
                            "unknown conclusion \"\(value)\" in \(what); use success, failure, cancelled, skipped or any")
                    }
                }
            }

            var kind: ArtifactKind?
            if let n = fields["artifact_kind"]?.value, let v = reader.string(n, "\(what) artifact_kind") {
                if let parsed = ArtifactKind(rawValue: v.lowercased()) {
                    kind = parsed
                } else {
                    reader.error(n, "\(what) artifact_kind must be apk or aab, not \"\(v)\"")
                }
            }
            var pattern = try! Glob(ArtifactSelector.defaultPattern(for: kind))
            if let n = fields["artifact"]?.value, let text = reader.string(n, "\(what) artifact") {
                do {
                    pattern = try Glob(text)
                } catch {
                    reader.error(n, "bad pattern in \(what) artifact: \(error)")
                }
            }

            var storeNames: [String] = []
            if let n = fields["stores"]?.value, let values = storeReferences(n, "\(what) stores", reader: &reader) {
                for (value, valueNode) in values {
                    if let policyStores, !policyStores.contains(value), declaredStores.contains(value) {
                        let allowed = policyStores.sorted().joined(separator: ", ")
                        reader.error(
                            valueNode,
                            "\(what) names store \"\(value)\", which the server's repo_rules do not allow this repository "
                                + "(allowed: \(allowed.isEmpty ? "none" : allowed)); ask the Slipway operator to add it "
                                + "to that repo_rules entry's stores:, or route it in the server's config")
                        continue
                    }
                    guard let store = stores.first(where: { $0.name == value }) else {
                        if declaredStores.contains(value) { continue }  // its own error is reported already
                        var message = "\(what) names store \"\(value)\", which is not declared under \"stores:\""
                        if let guess = reader.closest(to: value, in: stores.map(\.name)) {
                            message += " (did you mean \"\(guess)\"?)"
                        }
                        reader.error(valueNode, message)
                        continue
                    }
                    if let kind, !store.type.acceptedKinds.contains(kind) {
                        reader.error(valueNode, "\(what) sends \(kind.rawValue) files to \(store.type.displayName), which does not accept them")
                    }
                    if storeNames.contains(value) {
                        reader.error(valueNode, "\(what) names store \"\(value)\" twice")
                        continue
                    }
                    storeNames.append(value)
                }
            }
            if storeNames.isEmpty && fields["stores"] == nil {
                reader.error(item, "\(what) has no \"stores:\"; name at least one store declared under \"stores:\"")
            }

            var notify = notifications.map(\.name)
            let notifyIsDefault = fields["notify"] == nil
            if let n = fields["notify"]?.value, let values = reader.stringList(n, "\(what) notify") {
                notify = []
                for (value, valueNode) in values {
                    guard notifications.contains(where: { $0.name == value }) else {
                        reader.error(valueNode, "\(what) notifies \"\(value)\", which is not declared under \"notifications:\"")
                        continue
                    }
                    notify.append(value)
                }
            }

            rules.append(
                RoutingRule(
                    name: name, line: line, repositories: repositories, branches: branches, tags: tags,
                    triggers: triggers, conclusions: conclusions, artifact: ArtifactSelector(pattern: pattern, kind: kind),
                    stores: storeNames, notify: notify, notifyIsDefault: notifyIsDefault))
        }
        return rules
    }

    static func require(
        _ fields: [String: (key: Node, value: Node)], _ key: String, in what: String, at node: Node,
        reader: inout YAMLNodeReader
    ) -> Node? {
        guard let value = fields[key]?.value else {
            reader.error(node, "\(what) is missing \"\(key):\"")
            return nil
        }
        return value
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }
}
