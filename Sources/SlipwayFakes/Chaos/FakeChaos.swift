import Foundation
package import Hummingbird
import HTTPTypes
import NIOCore

/// Faults a fake injects at random, for `scripts/chaos` (issue 13 §1): added in front of a fake's
/// router, it answers a share of the requests with what an unhealthy service does, drawn from a
/// seeded generator so one seed gives the same sequence of draws.
///
/// The kinds are the ones the issue names: a 5xx, a 409, a 429 with `Retry-After`, a connection
/// reset in the middle of the request body (nothing processed), an answer lost after the request
/// was processed (the store has the upload, the client does not know), a slow answer, and — rarely —
/// a plain refusal (400) whose words must reach the user.
package actor FakeChaos {
    package enum Fault: String, Sendable, CaseIterable, Codable {
        case serverError, conflict, tooManyRequests, resetMidBody, dropAnswer, slow, refuse
    }

    /// Shares of the fault draws, in the order above (the refusal is rare: it ends a delivery).
    static let weights: [(Fault, Double)] = [
        (.serverError, 0.25), (.conflict, 0.08), (.tooManyRequests, 0.15), (.resetMidBody, 0.15),
        (.dropAnswer, 0.15), (.slow, 0.19), (.refuse, 0.03),
    ]

    package let name: String
    private let rate: Double
    private var generator: SeededGenerator
    /// Faults injected so far, by kind.
    package private(set) var injected: [Fault: Int] = [:]
    /// The words of every refusal sent (each is unique, so a reported failure can be traced to one).
    package private(set) var refusals: [String] = []
    package private(set) var requests = 0

    /// - Parameters:
    ///   - rate: the share of requests that get a fault (0.2 = ~20%).
    package init(name: String, rate: Double, seed: UInt64) {
        self.name = name
        self.rate = rate
        self.generator = SeededGenerator(seed: seed)
    }

    /// The next request's fault, or nil.
    func draw() -> Fault? {
        requests += 1
        guard Double.random(in: 0..<1, using: &generator) < rate else { return nil }
        var pick = Double.random(in: 0..<1, using: &generator)
        var fault = Fault.serverError
        for (candidate, weight) in Self.weights {
            if pick < weight {
                fault = candidate
                break
            }
            pick -= weight
        }
        injected[fault, default: 0] += 1
        return fault
    }

    func refusalWords() -> String {
        let words = "chaos refusal \(name)-\(refusals.count + 1): the request was rejected"
        refusals.append(words)
        return words
    }

    func slowDelay() -> Duration { .milliseconds(Int.random(in: 200...1500, using: &generator)) }

    /// `fake` behind the faults: a router whose every path and method goes through them to it.
    /// (Hummingbird applies a router's middleware only to routes added after it, so the fake's own
    /// router is wrapped rather than extended.)
    package nonisolated func wrapping(_ fake: Router<BasicRequestContext>) -> Router<BasicRequestContext> {
        let inner = fake.buildResponder()
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: FakeChaosMiddleware(chaos: self))
        for method: HTTPRequest.Method in [.get, .post, .put, .patch, .delete, .head] {
            router.on("**", method: method) { request, context in try await inner.respond(to: request, context: context) }
        }
        return router
    }
}

package struct FakeChaosMiddleware: RouterMiddleware {
    package typealias Context = BasicRequestContext
    let chaos: FakeChaos

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let fault = await chaos.draw() else { return try await next(request, context) }
        switch fault {
        case .serverError:
            return try await drained(request, Self.json(503, "chaos: the backend is unavailable, try again"))
        case .conflict:
            return try await drained(request, Self.json(409, "chaos: a concurrent change is in progress, try again"))
        case .tooManyRequests:
            var response = Self.json(429, "chaos: rate limit exceeded")
            response.headers[.retryAfter] = "1"
            return try await drained(request, response)
        case .resetMidBody:
            // Read part of what the client sends, then break the connection: nothing is processed.
            var iterator = request.body.makeAsyncIterator()
            _ = try await iterator.next()
            return Response(status: .ok, body: ResponseBody(contentLength: 64) { _ in throw FakeConnectionReset() })
        case .dropAnswer:
            _ = try await next(request, context)
            return Response(status: .ok, body: ResponseBody(contentLength: 64) { _ in throw FakeConnectionReset() })
        case .slow:
            try await Task.sleep(for: await chaos.slowDelay())
            return try await next(request, context)
        case .refuse:
            return try await drained(request, Self.json(400, await chaos.refusalWords()))
        }
    }

    private func drained(_ request: Request, _ response: Response) async throws -> Response {
        for try await _ in request.body {}
        return response
    }

    /// One body that the stores' error readers all quote: Google's `error.message`, Amazon's and
    /// Product Science's `message`, Applivery's `error.message`, Ignite's `errors[].detail`.
    static func json(_ status: Int, _ message: String) -> Response {
        let object: [String: Any] = [
            "message": message, "status": false,
            "error": ["code": status, "message": message, "status": status == 400 ? "INVALID_ARGUMENT" : "UNAVAILABLE"],
            "errors": [["status": "\(status)", "title": status == 400 ? "Bad Request" : "Unavailable", "detail": message, "errorMessage": message]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// SplitMix64: small, fast, and the same sequence for the same seed on every platform.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
