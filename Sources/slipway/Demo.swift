import ArgumentParser

/// `slipway demo`: everything on loopback fakes — the newcomer's first run.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Slipway against loopback fakes of GitHub and Google Play and show what a developer sees.")

    func run() async throws {
        print("demo: coming together")
    }
}
