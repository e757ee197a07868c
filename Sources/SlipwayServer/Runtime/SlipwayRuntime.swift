package import AsyncHTTPClient
package import Foundation
package import Logging
import Crypto
import NIOCore
package import SlipwayCore
package import SlipwayIntake
package import SlipwayQueue
import SlipwayHTTP
import SlipwayReport
package import SlipwayStores

/// Everything a running Slipway needs: the job store, one long-lived HTTP client, access, the
/// schedules, and the current `RuntimeGeneration` (adapters, uploaders, fetcher, reporter, built
/// from the config and replaced whole by a reload).
///
/// Built and torn down by `withRuntime`, which owns the HTTP client and the database connection
/// and closes both when its body returns, also on error.
package struct SlipwayRuntime: Sendable, CustomStringConvertible {
    package let jobStore: any JobStore
    package let httpClient: HTTPClient
    package let metrics: SlipwayMetrics
    /// Who may see the dashboard, API and metrics.
    package let access: AccessPolicy
    package let logger: Logger
    package let retrySchedule: RetrySchedule
    package let pollSchedule: PollSchedule
    package let dataDirectory: URL
    /// `Options.onArtifactArrival`.
    package var onArtifactArrival: (@Sendable (ArtifactArrival) -> Void)? = nil
    /// The generation new webhooks and jobs take; `reload()` replaces it.
    let live: LiveGeneration
    let shared: RuntimeGeneration.Shared
    /// Where `reload()` reads the config again, and the database the command line put in its place.
    let configFile: String?
    let databaseOverride: String?
    /// The config as it was at start: `server` settings stay these until the next start.
    let startConfig: SlipwayConfig
    let reloads = KeyedSerializer()

    package var generation: RuntimeGeneration { live.current }

    /// Short, and free of what the runtime holds (credentials among it): services are logged by description.
    package var description: String { "SlipwayRuntime(\(configFile ?? "no config file"))" }
    package var config: SlipwayConfig { generation.config }
    package var adapters: [BuildEvent.Provider: any WebhookAdapter] { generation.adapters }
    package var uploaders: [String: any StoreUploader] { generation.uploaders }
    package var fetcher: ArtifactFetcher { generation.fetcher }
    package var reporter: ResultReporter { generation.reporter }
    package var buildListers: [any BuildLister] { generation.buildListers }

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
        /// The file the config came from, which `reload()` reads again (nil: reload is refused).
        package var configFile: String?
        /// `--database` / `SLIPWAY_DATABASE_URL`, applied to a reloaded config as at start.
        package var databaseOverride: String?
        package init() {}
    }

    package static func withRuntime<T: Sendable>(
        config: SlipwayConfig, environment: [String: String], options: Options = Options(), logger: Logger,
        body: (SlipwayRuntime) async throws -> T
    ) async throws -> T {
        let dataDirectory = URL(fileURLWithPath: config.server.dataDirectory, isDirectory: true)
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)

        // Redirects are followed by OutboundHTTP, which keeps credentials to their origin.
        let httpClient = OutboundHTTP.makeSharedClient()
        let jobStore: any JobStore
        do {
            jobStore = try await JobStores.open(databaseURL: config.server.database, logger: logger)
            try await jobStore.migrate()
        } catch {
            try? await httpClient.shutdown()
            throw StartupError.database("\(error)")
        }

        do {
            let shared = RuntimeGeneration.Shared(
                jobStore: jobStore, httpClient: httpClient, environment: HiddenEnvironment(values: environment),
                storeRetryPolicy: options.storeRetryPolicy, commentLocks: KeyedSerializer(),
                repositoryFiles: RepositoryFileCache(), logger: logger)
            let generation = try await RuntimeGeneration.make(config, shared: shared)
            let access = try await makeAccess(config.server, jobStore: jobStore) { reference, field in
                try shared.resolve(reference, field, baseDirectory: config.baseDirectory)
            }
            var runtime = SlipwayRuntime(
                jobStore: jobStore, httpClient: httpClient, metrics: SlipwayMetrics(), access: access, logger: logger,
                retrySchedule: options.retrySchedule ?? RetrySchedule(config.server.retry),
                pollSchedule: options.pollSchedule ?? PollSchedule(config.server.polling), dataDirectory: dataDirectory,
                live: LiveGeneration(generation), shared: shared, configFile: options.configFile,
                databaseOverride: options.databaseOverride, startConfig: config)
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

    /// One reconciliation pass's machinery over this runtime's job store and listers.
    package func reconciler(wakeWorker: @escaping @Sendable () -> Void = {}) -> Reconciler {
        let generation = self.generation
        return Reconciler(config: generation.config, jobStore: jobStore, listers: generation.buildListers, wakeWorker: wakeWorker)
    }

    /// The job handler that carries out deliveries with this runtime's pieces, from the current
    /// generation (the worker asks for one per job, so a job keeps the pieces it started with).
    package var processor: DeliveryProcessor {
        let generation = self.generation
        return DeliveryProcessor(
            jobStore: jobStore, uploaders: generation.uploaders, fetcher: generation.fetcher, reporter: generation.reporter,
            dataDirectory: dataDirectory, schedule: retrySchedule, polls: pollSchedule, onArrival: onArtifactArrival,
            metrics: metrics)
    }
}
