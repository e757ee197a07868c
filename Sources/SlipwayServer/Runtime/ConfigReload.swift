import Foundation
import Logging
import SlipwayCore
import Synchronization

/// The current `RuntimeGeneration`, swapped whole by a reload. A mutex rather than an actor: every
/// webhook reads it synchronously on the intake path, and the critical section is one copy.
final class LiveGeneration: Sendable {
    private let generation: Mutex<RuntimeGeneration>

    init(_ generation: RuntimeGeneration) { self.generation = Mutex(generation) }

    var current: RuntimeGeneration { generation.withLock { $0 } }

    func replace(with new: RuntimeGeneration) { generation.withLock { $0 = new } }
}

/// What a reload did: the new config is in use, or it was refused and the running one stays.
package enum ReloadOutcome: Sendable, Equatable {
    /// `notices` name what changed but waits for a restart (`server.*`).
    case applied(rules: Int, stores: Int, notices: [String])
    /// Each problem as `FILE:LINE: message`, or why the file could not be used.
    case refused([String])
}

extension SlipwayRuntime {
    /// Reads the config file again and, if it is valid and everything it names can be built
    /// (secrets, keys, templates), makes it the config new webhooks and jobs use. On any error the
    /// running config stays and the errors are logged. Work already under way keeps its generation.
    ///
    /// `server.*` is read at start only (listeners, database, workers, access): a change there is
    /// reported as a notice and takes effect at the next start.
    package func reload() async -> ReloadOutcome {
        await reloads.run("reload") { () async -> ReloadOutcome in
            let outcome = await self.reloadNow()
            switch outcome {
            case .applied(let rules, let stores, let notices):
                logger.notice("config reloaded", metadata: ["file": "\(configFile ?? "")", "rules": "\(rules)", "stores": "\(stores)"])
                for notice in notices { logger.warning("\(notice)") }
            case .refused(let errors):
                logger.error("config reload refused; the running config stays", metadata: ["file": "\(configFile ?? "")"])
                for error in errors { logger.error("\(error)") }
            }
            return outcome
        }
    }

    private func reloadNow() async -> ReloadOutcome {
        guard let configFile else {
            return .refused(["this server was not started from a config file, so there is nothing to read again"])
        }
        var config: SlipwayConfig
        do throws(ConfigError) {
            config = try ConfigLoader.load(path: configFile)
        } catch {
            return .refused(error.diagnostics.isEmpty ? [error.description] : error.diagnostics.map(\.description))
        }
        if let databaseOverride { config.server.database = databaseOverride }
        let notices = Self.serverChanges(from: startConfig.server, to: config.server).map {
            "\(configFile): server.\($0) changed: it is read at start only, so the running value stays until the next start"
        }
        config.server = startConfig.server
        let generation: RuntimeGeneration
        do {
            generation = try await RuntimeGeneration.make(config, shared: shared)
        } catch {
            return .refused(["\(configFile): \(error)"])
        }
        live.replace(with: generation)
        return .applied(rules: config.rules.count, stores: config.stores.count, notices: notices)
    }

    /// The `server` keys whose values differ, in the file's spelling (`shutdown_grace_seconds`).
    static func serverChanges(from old: ServerSettings, to new: ServerSettings) -> [String] {
        zip(Mirror(reflecting: old).children, Mirror(reflecting: new).children).compactMap { before, after in
            guard let label = before.label, String(describing: before.value) != String(describing: after.value) else { return nil }
            return fileKeys[label] ?? label.reduce(into: "") { name, character in
                if character.isUppercase { name += "_" + character.lowercased() } else { name.append(character) }
            }
        }
    }

    /// Fields whose file key is not their name in snake case.
    private static let fileKeys = ["publicURL": "public_url", "dataDirectory": "data_dir", "templatesDirectory": "templates"]
}
