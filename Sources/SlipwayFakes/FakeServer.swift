import Foundation
package import Hummingbird
package import Logging
import NIOCore

/// Runs a Hummingbird router on `127.0.0.1` at a free port for the length of `body`, then shuts it
/// down. Every fake of an external API (stores, token endpoints, GitHub, artifact hosts) runs
/// through this, so tests and `slipway demo` talk to them over real sockets.
package enum FakeServer {
    /// Fakes log at `.critical` by default: their shutdown with keep-alive connections still open
    /// logs cancellation noise at `.error` that says nothing about the test.
    /// Starts `router` on a free loopback port, calls `body` with its base URL (`http://127.0.0.1:PORT`),
    /// and stops the server when `body` returns or throws.
    package static func run<Context: RequestContext, T: Sendable>(
        _ router: Router<Context>,
        name: String,
        logLevel: Logger.Level = .critical,
        host: String = "127.0.0.1",
        body: (String) async throws -> T
    ) async throws -> T where Context.Source == ApplicationRequestContextSource {
        var logger = Logger(label: "fake.\(name)")
        logger.logLevel = logLevel
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: 0), serverName: "fake-\(name)"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = portStream.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw FakeServerError.didNotStart(name)
            }
            do {
                let result = try await body("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}

package enum FakeServerError: Error, CustomStringConvertible {
    case didNotStart(String)

    package var description: String {
        switch self {
        case .didNotStart(let name): "fake server \(name) did not start"
        }
    }
}

extension FakeServer {
    /// A JSON answer, keys sorted (stable bodies for tests to compare); an object that cannot be
    /// written becomes `{}`.
    static func json(
        _ status: HTTPResponse.Status, _ object: Any, contentType: String = "application/json",
        options: JSONSerialization.WritingOptions = [.sortedKeys]
    ) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
