package import AsyncHTTPClient
package import Foundation
package import Logging
import Crypto
import _CryptoExtras
import NIOCore
package import SlipwayCore
package import SlipwayIntake
package import SlipwayQueue
import SlipwayHTTP
import SlipwayReport
package import SlipwayStores

/// Everything a running Slipway needs, built once from the config: the job store, one long-lived
/// HTTP client, the webhook adapters, one uploader per store, the artifact fetcher and the reporter.
///
/// Built and torn down by `withRuntime`, which owns the HTTP client and the database connection
/// and closes both when its body returns, also on error.
package struct SlipwayRuntime: Sendable {
    package let config: SlipwayConfig
    package let jobStore: any JobStore
    package let httpClient: HTTPClient
    package let adapters: [BuildEvent.Provider: any WebhookAdapter]
    package let uploaders: [String: any StoreUploader]
    package let fetcher: ArtifactFetcher
    package let reporter: ResultReporter
    package let metrics: SlipwayMetrics
    /// Who may see the dashboard, API and metrics.
    package let access: AccessPolicy
    package let logger: Logger
    package let retrySchedule: RetrySchedule
    package let pollSchedule: PollSchedule
    package let dataDirectory: URL
    /// One per CI source with API credentials; long-lived, since they cache glob expansions.
    package let buildListers: [any BuildLister]
    /// `Options.onArtifactArrival`.
    package var onArtifactArrival: (@Sendable (ArtifactArrival) -> Void)? = nil

    /// Knobs tests and the demo turn; production uses the defaults.
    package struct Options: Sendable {
        /// Overrides `server.retry` (tests); nil takes the config's schedule.
        package var retrySchedule: RetrySchedule?
        /// Overrides `server.polling` (tests); nil takes the config's schedule.
        package var pollSchedule: PollSchedule?
        package var storeRetryPolicy = RetryPolicy.default
        package var workerLease: Duration = .seconds(120)
        package var workerPollInterval: Duration = .milliseconds(500)
        package var workerID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        /// How long after start the first reconciliation pass runs (the server is listening by then).
        package var reconcileFirstDelay: Duration = .seconds(5)
        /// Handed each download's `ArtifactArrival` as the delivery starts it (tests watch the readers).
        package var onArtifactArrival: (@Sendable (ArtifactArrival) -> Void)?
        package init() {}
    }

    package static func withRuntime<T: Sendable>(
        config: SlipwayConfig, environment: [String: String], options: Options = Options(), logger: Logger,
        body: (SlipwayRuntime) async throws -> T
    ) async throws -> T {
        let base = config.baseDirectory
        func resolve(_ reference: SecretReference, _ field: String) throws -> Secret {
            do {
                return try reference.resolve(environment: environment, baseDirectory: base)
            } catch {
                throw StartupError.secret(field: field, reference: reference, reason: error)
            }
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

        let dataDirectory = URL(fileURLWithPath: config.server.dataDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)

        // Redirects are followed by OutboundHTTP, which keeps credentials to their origin.
        let httpClient = OutboundHTTP.makeSharedClient()
        let network = PrivateNetworkPolicy(allowed: config.server.outbound.allowPrivateNetworks)
        let jobStore: any JobStore
        do {
            jobStore = try await JobStores.open(databaseURL: config.server.database, logger: logger)
            try await jobStore.migrate()
        } catch {
            try? await httpClient.shutdown()
            throw StartupError.database("\(error)")
        }

        do {
            var uploaders: [String: any StoreUploader] = [:]
            // Each store, and each store as a rule with options of its own uses it.
            for (key, store) in config.stores.map({ ($0.name, $0) }) + config.storeVariants {
                do {
                    uploaders[key] = try StoreUploaders.make(
                        store, environment: environment, baseDirectory: base, httpClient: httpClient,
                        retryPolicy: options.storeRetryPolicy, network: network, logger: logger)
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
            let gitHubCredentials = try Self.gitHubCredentials(
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
                    config.notifications, environment: environment, baseDirectory: base, httpClient: httpClient,
                    templates: templates, logger: logger)
            } catch {
                throw StartupError.notification("\(error)")
            }
            let access = try await makeAccess(config.server, jobStore: jobStore, resolve: resolve)
            let reporter = ResultReporter(
                config: config, jobStore: jobStore, gitHub: gitHubReporter, templates: templates,
                publicURL: config.server.publicURL, notifiers: notifiers)
            var runtime = SlipwayRuntime(
                config: config, jobStore: jobStore, httpClient: httpClient, adapters: adapters, uploaders: uploaders,
                fetcher: fetcher, reporter: reporter, metrics: SlipwayMetrics(), access: access, logger: logger,
                retrySchedule: options.retrySchedule ?? RetrySchedule(config.server.retry),
                pollSchedule: options.pollSchedule ?? PollSchedule(config.server.polling), dataDirectory: dataDirectory,
                buildListers: Self.buildListers(
                    sources: sources, github: gitHubCredentials, gitHubAPI: gitHubAPI, ci: ci, http: OutboundHTTP(client: httpClient)))
            runtime.onArtifactArrival = options.onArtifactArrival
            let result = try await body(runtime)
            try await jobStore.close()
            try await httpClient.shutdown()
            return result
        } catch {
            try? await jobStore.close()
            try? await httpClient.shutdown()
            throw error
        }
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

    /// Resolves the access secrets; without `session_key`, the key every replica shares is
    /// generated once and kept in the job store.
    static func makeAccess(
        _ server: ServerSettings, jobStore: any JobStore, resolve: (SecretReference, String) throws -> Secret
    ) async throws -> AccessPolicy {
        let settings = server.access
        let tokens = try settings.apiTokens.enumerated().map { try resolve($1, "server.access.api_tokens[\($0)]") }
        let keyText: String
        if let reference = settings.sessionKey {
            keyText = try resolve(reference, "server.access.session_key").revealed
        } else {
            do {
                keyText = try await jobStore.sharedValue(named: "session-key", orStore: SessionCookie.randomToken(bytes: 32))
            } catch {
                throw StartupError.database("cannot read or store the session key: \(error)")
            }
        }
        let githubSecret = try settings.github.map { try resolve($0.clientSecret, "server.access.github.client_secret") }
        return AccessPolicy(
            apiTokens: tokens, sessionKey: SymmetricKey(data: SHA256.hash(data: Data(keyText.utf8))),
            sessionHours: settings.sessionHours, github: settings.github, githubClientSecret: githubSecret,
            isPublic: settings.dashboardIsPublic, publicURL: server.publicURL)
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

    /// One reconciliation pass's machinery over this runtime's job store and listers.
    package func reconciler(wakeWorker: @escaping @Sendable () -> Void = {}) -> Reconciler {
        Reconciler(config: config, jobStore: jobStore, listers: buildListers, wakeWorker: wakeWorker)
    }

    /// The job handler that carries out deliveries with this runtime's pieces.
    package var processor: DeliveryProcessor {
        DeliveryProcessor(
            jobStore: jobStore, uploaders: uploaders, fetcher: fetcher, reporter: reporter,
            dataDirectory: dataDirectory, schedule: retrySchedule, polls: pollSchedule, onArrival: onArtifactArrival)
    }
}
