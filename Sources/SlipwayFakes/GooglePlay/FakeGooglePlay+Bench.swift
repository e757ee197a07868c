package import Foundation
import Hummingbird

/// What `scripts/bench_fanout.py` runs in a process of its own: the Play fake and a plain file host,
/// so that the server's memory and CPU are measured without them, and curl can be timed against the
/// same endpoints.
extension FakeGooglePlay {
    /// Serves Play (`/token`, the upload routes) and the files under `folder/files` (`/files/NAME`,
    /// streamed from disk by Hummingbird's `FileMiddleware`) on one loopback port; writes
    /// `folder/play.json` (a service-account key whose `token_uri` is this server), `folder/token`
    /// (an access token for curl) and `folder/url` (the base URL), then serves until the process ends.
    package static func serveForBench(folder: URL, packages: [String]) async throws {
        let account = try FakeServiceAccount()
        let play = FakeGooglePlay(tokenLifetimeSeconds: 24 * 3600)
        await play.register(account)
        for package in packages { await play.addPackage(package) }
        let router = play.router()
        router.add(middleware: FileMiddleware(folder.appendingPathComponent("files").path, urlBasePath: "/files"))
        try await FakeServer.run(router, name: "bench") { base in
            _ = try account.writeKeyFile(tokenURI: base + "/token", to: folder.appendingPathComponent("play.json"))
            try Data(await play.issueToken().token.utf8).write(to: folder.appendingPathComponent("token"))
            try Data(base.utf8).write(to: folder.appendingPathComponent("url"), options: .atomic)
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
