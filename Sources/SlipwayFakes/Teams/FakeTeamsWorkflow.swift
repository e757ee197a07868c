package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for a Teams Workflows "when a webhook request is received" trigger: like
/// the real one it answers 202 for any body once the `sig` matches (the flow fails later, out of
/// the sender's sight), so tests inspect what was posted.
package actor FakeTeamsWorkflow {
    package let signature: String
    package private(set) var posts: [Data] = []

    package init(signature: String) {
        self.signature = signature
    }

    /// Serves the trigger while `body` runs; `body` gets the full webhook URL, signature included.
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        let router = Router(context: BasicRequestContext.self)
        router.post("/workflows/:id/triggers/manual/paths/invoke") { request, _ in
            let sig = request.uri.queryParameters.get("sig") ?? ""
            let data = try await request.body.collect(upTo: 1 << 20)
            return await self.receive(sig: sig, body: Data(data.readableBytesView))
        }
        return try await FakeServer.run(router, name: "teams", logLevel: logLevel) { base in
            try await body("\(base)/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=\(signature)")
        }
    }

    private func receive(sig: String, body: Data) -> Response {
        guard sig == signature else {
            let text = #"{"error":{"code":"DirectApiAuthorizationRequired","message":"The request must be authenticated"}}"#
            return Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        posts.append(body)
        return Response(status: .accepted)
    }
}
