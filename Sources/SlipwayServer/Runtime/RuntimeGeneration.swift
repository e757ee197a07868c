import AsyncHTTPClient
import Foundation
import Logging
import Crypto
import _CryptoExtras
package import SlipwayCore
package import SlipwayIntake
import SlipwayQueue
import SlipwayHTTP
import SlipwayReport
package import SlipwayStores

/// Everything Slipway builds from the config's sources, stores, notifications and rules: what a
/// reload (`SIGHUP`, `POST /api/reload`) replaces as one piece.
///
/// Each webhook and each job takes the generation current when it starts and keeps it to its end,
/// so a reload never changes work already under way; the plan an accepted delivery was given is in
/// the job store anyway.
package struct RuntimeGeneration: Sendable {
    package let config: SlipwayConfig
    package let adapters: [BuildEvent.Provider: any WebhookAdapter]
    package let uploaders: [String: any StoreUploader]
    package let fetcher: ArtifactFetcher
    package let reporter: ResultReporter
    /// One per CI source with API credentials; long-lived, since they cache glob expansions.
    package let buildListers: [any BuildLister]
    /// Reads repositories' own rules files (`repo_rules`) for the webhook path.
    let repositoryRules: RepositoryRulesRouting

    /// What outlives generations and is shared by all of them.
    struct Shared: Sendable {
        let jobStore: any JobStore
        let httpClient: HTTPClient
        let environment: HiddenEnvironment
        let storeRetryPolicy: RetryPolicy
        let commentLocks: KeyedSerializer
        /// Repository rules files by blob id: a file unchanged between commits is read once.
        let repositoryFiles: RepositoryFileCache
        let logger: Logger

        /// A secret the config names, from the environment or a file beside the config; a failure
        /// names the field (`StartupError.secret`), never the value.
        func resolve(_ reference: SecretReference, _ field: String, baseDirectory: URL) throws -> Secret {
            do throws(SecretResolutionError) {
                return try reference.resolve(environment: environment.values, baseDirectory: baseDirectory)
            } catch {
                throw StartupError.secret(field: field, reference: reference, reason: error)
            }
        }
    }

    /// Builds a generation; throws `StartupError` (which names the field) when a secret, a key or
    /// a template cannot be used.
    static func make(_ config: SlipwayConfig, shared: Shared) async throws -> RuntimeGeneration {
        let base = config.baseDirectory
        let logger = shared.logger
        let httpClient = shared.httpClient
        func resolve(_ reference: SecretReference, _ field: String) throws -> Secret {
            try shared.resolve(reference, field, baseDirectory: base)
        }

        let adapters = try IntakeAdapters.make(config.sources, resolve: resolve)
        let gitHubToken = try config.sources.github?.token.map { try resolve($0, "sources.github.token") }

        // Built-in templates, with the team's folder (when there is one) overriding file by file.
        let templates: TemplateRenderer?
        do {
            templates = try await TemplateRenderer(
                directory: locateTemplatesDirectory(explicit: config.server.templatesDirectory, configDirectory: base),
                logger: logger)
        } catch {
            throw StartupError.templates("\(error)")
        }

        let network = PrivateNetworkPolicy(allowed: config.server.outbound.allowPrivateNetworks)
        var uploaders: [String: any StoreUploader] = [:]
        // Each store, and each store as a rule with options of its own uses it.
        for (key, store) in config.stores.map({ ($0.name, $0) }) + config.storeVariants {
            do {
                uploaders[key] = try StoreUploaders.make(
                    store, environment: shared.environment.values, baseDirectory: base, httpClient: httpClient,
                    retryPolicy: shared.storeRetryPolicy, network: network, logger: logger)
            } catch {
                throw StartupError.store(name: store.name, reason: "\(error)")
            }
        }
        let gitHubAPI = config.sources.github?.apiURL ?? "https://api.github.com"
        let sources = config.sources
        let ci = ArtifactFetcher.CICredentials(
            gitlab: try sources.gitlab.map { .init(apiURL: $0.apiURL, token: try resolve($0.token, "sources.gitlab.token")) },
            bitrise: try sources.bitrise.map { .init(apiURL: $0.apiURL, token: try resolve($0.token, "sources.bitrise.token")) },
            buildkite: try sources.buildkite.map {
                .init(apiURL: $0.apiURL, token: try resolve($0.token, "sources.buildkite.token"))
            },
            circleci: try sources.circleci.map {
                .init(apiURL: $0.apiURL, token: try resolve($0.token, "sources.circleci.token"), artifactHosts: $0.artifactHosts)
            })
        let gitHubCredentials = try gitHubCredentials(
            config.sources.github, token: gitHubToken, http: OutboundHTTP(client: httpClient), resolve: resolve)
        let fetcher = ArtifactFetcher(
            httpClient: httpClient, gitHubAPIURL: gitHubAPI, gitHubToken: nil, gitHubCredentials: gitHubCredentials,
            allowedHosts: config.sources.generic?.allowedArtifactHosts ?? [], logger: logger, ci: ci,
            network: network)
        let gitHubReporter = gitHubCredentials.map {
            GitHubReporter(
                httpClient: httpClient, apiURL: gitHubAPI, credentials: $0, logger: logger, login: config.sources.github?.login)
        }
        let notifiers: [String: any Notifier]
        do {
            notifiers = try Notifiers.make(
                config.notifications, environment: shared.environment.values, baseDirectory: base, httpClient: httpClient,
                templates: templates, logger: logger)
        } catch {
            throw StartupError.notification("\(error)")
        }
        let reporter = ResultReporter(
            config: config, jobStore: shared.jobStore, gitHub: gitHubReporter, templates: templates,
            publicURL: config.server.publicURL, notifiers: notifiers, commentLocks: shared.commentLocks)
        return RuntimeGeneration(
            config: config, adapters: adapters, uploaders: uploaders, fetcher: fetcher, reporter: reporter,
            buildListers: buildListers(
                sources: sources, github: gitHubCredentials, gitHubAPI: gitHubAPI, ci: ci, http: OutboundHTTP(client: httpClient)),
            repositoryRules: RepositoryRulesRouting(fetcher: fetcher, cache: shared.repositoryFiles))
    }

    /// A static token, or the App's installation tokens (its key read and checked now, so a wrong
    /// file stops the start instead of the first delivery).
    static func gitHubCredentials(
        _ source: GitHubSource?, token: Secret?, http: OutboundHTTP, resolve: (SecretReference, String) throws -> Secret
    ) throws -> (any GitHubCredentials)? {
        guard let source else { return nil }
        if let token { return StaticGitHubToken(token) }
        guard let app = source.app else { return nil }
        let pem = try resolve(app.privateKey, "sources.github.app.private_key")
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem.revealed)
        } catch {
            throw StartupError.githubApp(
                "sources.github.app.private_key (\(app.privateKey)) is not a PEM RSA private key: download the App's key (GitHub → app settings → Private keys) and point private_key at the .pem file")
        }
        return GitHubAppInstallations(
            appID: app.appID, privateKey: key, apiURL: source.apiURL, installationID: app.installationID, http: http)
    }

    /// A lister for each CI source whose API Slipway can read: GitHub with a token or an App, and
    /// GitLab, Bitrise, Buildkite and CircleCI with their tokens.
    static func buildListers(
        sources: SourceSettings, github: (any GitHubCredentials)?, gitHubAPI: String, ci: ArtifactFetcher.CICredentials,
        http: OutboundHTTP
    ) -> [any BuildLister] {
        var listers: [any BuildLister] = []
        if let github { listers.append(GitHubRunLister(apiURL: gitHubAPI, credentials: github, http: http)) }
        if let gitlab = ci.gitlab { listers.append(GitLabPipelineLister(apiURL: gitlab.apiURL, token: gitlab.token, http: http)) }
        if let bitrise = ci.bitrise, let settings = sources.bitrise {
            listers.append(BitriseBuildLister(access: bitrise, appURL: settings.appURL, apps: settings.apps, http: http))
        }
        if let buildkite = ci.buildkite { listers.append(BuildkiteBuildLister(access: buildkite, http: http)) }
        if let circleci = ci.circleci, let settings = sources.circleci {
            listers.append(CircleCIWorkflowLister(access: circleci, projects: settings.projects, http: http))
        }
        return listers
    }
}

/// The process environment a reload resolves `${NAME}` references from. It holds every secret the
/// config names, so it describes itself without its values: the service runner logs its services
/// with `String(describing:)`, which reaches this through the worker's handler (the canary test
/// found exactly that).
struct HiddenEnvironment: Sendable, CustomStringConvertible, CustomReflectable {
    let values: [String: String]

    var description: String { "environment (\(values.count) variables, not shown)" }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}
