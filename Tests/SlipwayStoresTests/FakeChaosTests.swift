import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import SlipwayFakes
import Testing

/// The chaos run's fault injector: the same seed draws the same faults, the rate is respected,
/// and each fault does to a real connection what it says.
@Suite struct FakeChaosTests {
    @Test func theSameSeedGivesTheSameSequence() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
    }

    /// A fake with one route behind the chaos, and what a client sees of `count` requests.
    func outcomes(rate: Double, count: Int) async throws -> (answers: [String], chaos: FakeChaos, handled: Int) {
        actor Counter {
            var value = 0
            func add() { value += 1 }
        }
        let handled = Counter()
        let chaos = FakeChaos(name: "test", rate: rate, seed: 9)
        let inner = Router(context: BasicRequestContext.self)
        inner.post("/upload") { request, _ in
            for try await _ in request.body {}
            await handled.add()
            return "stored"
        }
        let answers = try await FakeServer.run(chaos.wrapping(inner), name: "chaos-test") { base in
            var answers: [String] = []
            for _ in 0..<count {
                var request = HTTPClientRequest(url: base + "/upload")
                request.method = .POST
                request.body = .bytes(ByteBuffer(repeating: 7, count: 200_000))
                do {
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    answers.append("\(response.status.code) \(String(buffer: body).prefix(40))")
                } catch {
                    answers.append("broken")
                }
            }
            return answers
        }
        return (answers, chaos, await handled.value)
    }

    @Test func rateZeroPassesEverythingThrough() async throws {
        let (answers, chaos, handled) = try await outcomes(rate: 0, count: 5)
        #expect(answers == Array(repeating: "200 stored", count: 5))
        #expect(handled == 5)
        #expect(await chaos.injected.isEmpty)
    }

    @Test func everyFaultDoesWhatItSays() async throws {
        let (answers, chaos, handled) = try await outcomes(rate: 1, count: 60)
        let injected = await chaos.injected
        #expect(injected.values.reduce(0, +) == 60)
        #expect(answers.filter { $0.hasPrefix("503") }.count == injected[.serverError, default: 0])
        #expect(answers.filter { $0.hasPrefix("409") }.count == injected[.conflict, default: 0])
        #expect(answers.filter { $0.hasPrefix("429") }.count == injected[.tooManyRequests, default: 0])
        #expect(answers.filter { $0 == "200 stored" }.count == injected[.slow, default: 0])
        #expect(answers.filter { $0 == "broken" }.count == injected[.resetMidBody, default: 0] + injected[.dropAnswer, default: 0])
        // A lost answer was handled by the fake; a reset in the middle of the body was not.
        #expect(handled == injected[.slow, default: 0] + injected[.dropAnswer, default: 0])
        let refusals = await chaos.refusals
        #expect(refusals.count == injected[.refuse, default: 0])
        #expect(answers.filter { $0.hasPrefix("400") }.count == refusals.count)
        #expect(Set(injected.keys).count >= 5, "a 60-draw run meets most kinds: \(injected)")
    }
}
