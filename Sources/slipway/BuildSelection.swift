import ArgumentParser
import Foundation
import SlipwayCore

/// The flags that describe a build (`--repo`, `--branch`, `--tag`, `--event`, `--pr`), shared by
/// `explain` and `deliver` so both read a build the same way.
struct BuildSelection: ParsableArguments {
    @Option(help: "Repository as OWNER/NAME.")
    var repo: String

    @Option(help: "Branch the build ran on.")
    var branch: String?

    @Option(help: "Tag the build ran for (implies --event tag).")
    var tag: String?

    @Option(help: "push, pull_request or tag (default: pull_request with --pr, tag with --tag, else push).")
    var event: String?

    @Option(help: "Pull request number.")
    var pr: Int?

    /// The trigger the flags say, with `--branch` required for everything but tags.
    func trigger() throws -> BuildEvent.Trigger {
        let trigger: BuildEvent.Trigger
        if let event {
            guard let parsed = BuildEvent.Trigger(rawValue: event) else {
                throw ValidationError("--event must be push, pull_request or tag")
            }
            trigger = parsed
        } else {
            trigger = tag != nil ? .tag : (pr != nil ? .pullRequest : .push)
        }
        if trigger != .tag && branch == nil {
            throw ValidationError("--branch is required for \(trigger.rawValue) builds")
        }
        return trigger
    }
}

/// Loads and validates a config file, or prints its problems as FILE:LINE: message and exits 1.
/// With `database` (a `--database` option) or `SLIPWAY_DATABASE_URL` set, that job store is used
/// instead of `server.database` (the option wins).
func loadConfigOrExit(_ path: String, database: String? = nil) throws -> SlipwayConfig {
    var config: SlipwayConfig
    do {
        config = try ConfigLoader.load(path: path)
    } catch {
        printError(error.description)
        throw ExitCode(1)
    }
    if let override = database ?? ProcessInfo.processInfo.environment["SLIPWAY_DATABASE_URL"] {
        config.server.database = override
    }
    return config
}
