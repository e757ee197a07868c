import ArgumentParser
import SlipwayCore

/// `slipway`: the release bot's command line.
@main
struct Slipway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slipway",
        abstract: "Deliver Android builds from CI to app stores, and report back to GitHub.",
        discussion: """
            Start with `slipway demo`: it runs everything against loopback fakes and shows what a \
            developer sees. Then write a config (README.md has a full example), check it with \
            `slipway validate`, ask `slipway explain` what a build would do, and run `slipway serve`.
            """,
        version: SlipwayVersion.current,
        subcommands: [Serve.self, Validate.self, Explain.self, Deliver.self, Redeliver.self, Reconcile.self, Migrate.self, Demo.self, Init.self, Bench.self, BenchFakes.self, ChaosFakes.self]
    )
}
