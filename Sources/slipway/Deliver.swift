import ArgumentParser
import Foundation
import Logging
import SlipwayCore
import SlipwayQueue
import SlipwayServer

/// `slipway deliver`: run the store flows once for one artifact, from a terminal or a CI step, no server.
struct Deliver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload one artifact to the stores the rules pick for it, report, and exit (1 if a store failed).")

    @Option(help: "The config file.")
    var config: String

    @Option(help: "The APK or AAB: a local path or an http(s) URL.")
    var artifact: String

    @OptionGroup var build: BuildSelection

    @Option(help: "Commit SHA.")
    var sha: String

    @Option(help: "Link to the CI build, shown in reports.")
    var buildURL: String?

    @OptionGroup var logging: LogOptions

    func run() async throws {
        let logger = try logging.makeLogger(defaultLevel: .warning)
        var loaded = try loadConfigOrExit(config)
        let trigger = try build.trigger()
        let source: ArtifactSource =
            artifact.hasPrefix("http://") || artifact.hasPrefix("https://")
            ? .url(artifact) : .localFile(URL(fileURLWithPath: artifact).standardizedFileURL.path)
        let runID = "cli-\(UUID().uuidString.prefix(8))"
        let buildEvent = BuildEvent(
            provider: .generic, repository: build.repo, branch: build.branch, tag: build.tag, sha: sha, trigger: trigger,
            pullRequest: build.pr,
            conclusion: .success, buildID: runID, buildURL: buildURL, artifactSource: source)
        let plan = loaded.plan(for: buildEvent.matchInput)
        guard !plan.isEmpty else {
            printError(Explain.explanation(config: loaded, input: buildEvent.matchInput))
            throw ExitCode(1)
        }
        // A private, throwaway job store: the same processor as the server, no shared state.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-deliver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        loaded.server.database = "sqlite:" + scratch.appendingPathComponent("deliver.db").path
        loaded.server.dataDirectory = scratch.appendingPathComponent("data").path

        var options = SlipwayRuntime.Options()
        options.retrySchedule = RetrySchedule(maxAttempts: 3, firstDelay: .seconds(5), maxDelay: .seconds(30))
        let results = try await SlipwayRuntime.withRuntime(
            config: loaded, environment: ProcessInfo.processInfo.environment, options: options, logger: logger
        ) { runtime in
            guard case .accepted(let id) = try await runtime.jobStore.accept(
                NewDelivery(source: "cli", externalID: runID, event: buildEvent, plan: plan, receivedAt: Date()))
            else { return [StoreResult]() }
            while let job = try await runtime.jobStore.claim(workerID: "cli", lease: .seconds(3600), now: Date()) {
                switch await runtime.processor.handle(job, logger: logger) {
                case .completed:
                    try await runtime.jobStore.complete(jobID: job.id, workerID: "cli")
                case .failed(let reason):
                    try await runtime.jobStore.fail(jobID: job.id, workerID: "cli", error: reason)
                case .retry(let after, let reason):
                    printError("retrying in \(after): \(reason)")
                    try await runtime.jobStore.retry(jobID: job.id, workerID: "cli", error: reason, runAt: Date())
                    try await Task.sleep(for: after)
                }
            }
            return try await runtime.jobStore.results(deliveryID: id)
        }
        for result in results {
            print("\(result.store) (\(result.storeType.displayName)): \(result.state.rawValue) — \(result.summary)")
            for link in result.links { print("  \(link.title): \(link.url)") }
            for detail in result.details { print("  \(detail.label): \(detail.value)") }
            if let failure = result.failure { print("  \(failure)") }
        }
        if results.contains(where: { $0.state == .failed }) { throw ExitCode(1) }
    }
}
