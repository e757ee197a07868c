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

    private static func yamlSyntaxDiagnostic(_ error: YamlError, file: String) -> ConfigDiagnostic {
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

        for notification in notifications where notification.type == .github && sources.github == nil {
            reader.error(
                line: notification.line,
                "notification \"\(notification.name)\" reports to GitHub, but there is no \"sources: github:\" with a token")
        }
        return SlipwayConfig(
            file: file, server: server, sources: sources, stores: stores, notifications: notifications, rules: rules)
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
        if let n = entries["workers"]?.value, let v = reader.int(n, "server.workers", range: 1...64) { settings.workers = v }
        if let n = entries["templates"]?.value, let v = reader.string(n, "server.templates") {
            settings.templatesDirectory = v
        }
        if let n = entries["access"]?.value { readAccess(n, into: &settings.access, reader: &reader) }
        if let n = entries["dashboard"]?.value { readDashboard(n, into: &settings.access, reader: &reader) }
        if let n = entries["outbound"]?.value { settings.outbound = readOutbound(n, reader: &reader) }
        if let n = entries["polling"]?.value { settings.polling = readPolling(n, reader: &reader) }
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
                let token = require(fields, "token", in: "sources.github", at: github.value, reader: &reader)
                    .flatMap { reader.secretReference($0, "sources.github.token") }
                if let secret, let token {
                    var source = GitHubSource(webhookSecret: secret, token: token)
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

    // MARK: stores

    private static func readStores(_ node: Node, reader: inout YAMLNodeReader) -> [StoreDefinition] {
        guard case .mapping(let mapping) = node else {
            reader.error(node, "stores must be a mapping from a store name to its settings")
            return []
        }
        var stores: [StoreDefinition] = []
        for (key, value) in mapping {
            guard let name = reader.string(key, "a store name") else { continue }
            guard isValidName(name) else {
                reader.error(key, "store name \"\(name)\" may only use letters, digits, \"-\" and \"_\"")
                continue
            }
            if stores.contains(where: { $0.name == name }) {
                reader.error(key, "store \"\(name)\" is declared twice")
                continue
            }
            if let store = readStore(name: name, key: key, value, reader: &reader) { stores.append(store) }
        }
        return stores
    }

    static func readStore(name: String, key: Node, _ node: Node, reader: inout YAMLNodeReader)
        -> StoreDefinition?
    {
        let what = "store \"\(name)\""
        guard case .mapping(let mapping) = node else {
            reader.error(node, "\(what) must be a mapping with at least \"type:\"")
            return nil
        }
        guard let typeNode = mapping["type"], let typeName = reader.string(typeNode, "\(what) type") else {
            reader.error(key, "\(what) has no \"type:\"; known types: \(StoreType.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let type = StoreType(rawValue: typeName) else {
            var message = "unknown store type \"\(typeName)\" for \(what); known types: "
                + StoreType.allCases.map(\.rawValue).joined(separator: ", ")
            if let guess = reader.closest(to: typeName, in: StoreType.allCases.map(\.rawValue)) {
                message += " (did you mean \"\(guess)\"?)"
            }
            reader.error(typeNode, message)
            return nil
        }
        let line = key.mark?.line ?? 1
        switch type {
        case .googlePlay:
            guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.googlePlay) else { return nil }
            let package = require(fields, "package_name", in: what, at: node, reader: &reader)
                .flatMap { reader.string($0, "\(what) package_name") }
            let account = require(fields, "service_account", in: what, at: node, reader: &reader)
                .flatMap { reader.secretReference($0, "\(what) service_account") }
            guard let package, let account else { return nil }
            if !isValidPackageName(package) {
                reader.error(fields["package_name"]!.value, "\(what) package_name \"\(package)\" is not an Android package name (like com.example.app)")
            }
            var settings = GooglePlaySettings(packageName: package, serviceAccount: account)
            if let n = fields["api_url"]?.value, let v = reader.url(n, "\(what) api_url") { settings.apiURL = v }
            if let n = fields["token_url"]?.value, let v = reader.url(n, "\(what) token_url") { settings.tokenURL = v }
            if let n = fields["resumable_threshold_bytes"]?.value,
                let v = reader.int(n, "\(what) resumable_threshold_bytes", range: 0...Int(Int32.max))
            {
                settings.resumableThresholdBytes = Int64(v)
            }
            if let n = fields["chunk_bytes"]?.value,
                let v = reader.int(n, "\(what) chunk_bytes", range: 262_144...(1024 * 1024 * 1024))
            {
                if v % 262_144 != 0 {
                    reader.error(n, "\(what) chunk_bytes must be a multiple of 262144 (256 KiB), as Google requires")
                } else {
                    settings.chunkBytes = v
                }
            }
            return StoreDefinition(name: name, line: line, settings: .googlePlay(settings))
        case .applivery:
            return readAppliveryStore(name: name, node: node, typeNode: typeNode, reader: &reader)
                .map { StoreDefinition(name: name, line: line, settings: $0) }
        case .buildUploads:
            return readBuildUploadsStore(name: name, node: node, typeNode: typeNode, reader: &reader)
                .map { StoreDefinition(name: name, line: line, settings: $0) }
        case .ignite:
            return readIgniteStore(name: name, node: node, typeNode: typeNode, reader: &reader)
                .map { StoreDefinition(name: name, line: line, settings: $0) }
        case .amazonAppstore:
            return readAmazonAppstoreStore(name: name, node: node, typeNode: typeNode, reader: &reader)
                .map { StoreDefinition(name: name, line: line, settings: $0) }
        }
    }

    // MARK: notifications

    private static func readNotifications(_ node: Node, reader: inout YAMLNodeReader) -> [NotificationDefinition] {
        guard case .mapping(let mapping) = node else {
            reader.error(node, "notifications must be a mapping from a name to its settings")
            return []
        }
        var result: [NotificationDefinition] = []
        for (key, value) in mapping {
            guard let name = reader.string(key, "a notification name") else { continue }
            let what = "notification \"\(name)\""
            guard isValidName(name) else {
                reader.error(key, "notification name \"\(name)\" may only use letters, digits, \"-\" and \"_\"")
                continue
            }
            if result.contains(where: { $0.name == name }) {
                reader.error(key, "\(what) is declared twice")
                continue
            }
            guard case .mapping(let fieldsMapping) = value, let typeNode = fieldsMapping["type"],
                let typeName = reader.string(typeNode, "\(what) type")
            else {
                reader.error(key, "\(what) needs \"type:\"; known types: \(NotificationType.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            guard let type = NotificationType(rawValue: typeName) else {
                reader.error(
                    typeNode,
                    "unknown notification type \"\(typeName)\" for \(what); known types: \(NotificationType.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            switch type {
            case .github:
                guard
                    let fields = reader.entries(
                        value, in: what, allowed: ConfigKeys.githubNotification)
                else { continue }
                var settings = GitHubNotificationSettings()
                if let n = fields["commit_status"]?.value, let v = reader.bool(n, "\(what) commit_status") {
                    settings.commitStatus = v
                }
                if let n = fields["pr_comment"]?.value, let v = reader.bool(n, "\(what) pr_comment") {
                    settings.pullRequestComment = v
                }
                if let n = fields["status_context"]?.value, let v = reader.string(n, "\(what) status_context") {
                    settings.statusContext = v
                }
                if let n = fields["template"]?.value, let v = reader.string(n, "\(what) template") {
                    settings.commentTemplate = v
                }
                result.append(NotificationDefinition(name: name, line: key.mark?.line ?? 1, settings: .github(settings)))
            case .gitlab, .slack, .teams, .discord:
                let settings: NotificationSettings? =
                    switch type {
                    case .gitlab: readGitLabNotification(what: what, node: value, reader: &reader)
                    case .slack: readSlackNotification(what: what, node: value, reader: &reader)
                    case .teams: readTeamsNotification(what: what, node: value, reader: &reader)
                    default: readDiscordNotification(what: what, node: value, reader: &reader)
                    }
                if let settings {
                    result.append(NotificationDefinition(name: name, line: key.mark?.line ?? 1, settings: settings))
                }
            }
        }
        return result
    }

    // MARK: rules

    private static let ruleKeys = ConfigKeys.rule

    private static func readRules(
        _ node: Node, stores: [StoreDefinition], declaredStores: Set<String>, notifications: [NotificationDefinition],
        reader: inout YAMLNodeReader
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

    private static func isValidPackageName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2
            && parts.allSatisfy { part in
                guard let first = part.first, first.isLetter else { return false }
                return part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            }
    }
}
