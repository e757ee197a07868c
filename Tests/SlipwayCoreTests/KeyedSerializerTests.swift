import Foundation
@testable import SlipwayCore
import Testing

/// Work for one key takes turns (one PR's comment, one Amazon app's Edit).
@Suite struct KeyedSerializerTests {
    actor Timeline {
        var running = 0
        var most = 0
        var order: [Int] = []
        func start(_ id: Int) {
            running += 1
            most = max(most, running)
            order.append(id)
        }
        func end() { running -= 1 }
    }

    @Test func workRunsOneAtATimeInArrivalOrder() async {
        let turns = KeyedSerializer()
        let timeline = Timeline()
        await withTaskGroup(of: Void.self) { group in
            for id in 0..<6 {
                group.addTask {
                    _ = await turns.run("app") {
                        await timeline.start(id)
                        try? await Task.sleep(for: .milliseconds(20))
                        await timeline.end()
                        return id
                    }
                }
                try? await Task.sleep(for: .milliseconds(2))  // arrival order
            }
        }
        #expect(await timeline.most == 1)
        #expect(await timeline.order == Array(0..<6))
    }

    @Test func aCancelledCallerCancelsItsWorkAndTheNextOneStillRuns() async {
        let turns = KeyedSerializer()
        let first = Task { await turns.run("app", forwardingCancellation: true) { () async -> Bool in
            (try? await Task.sleep(for: .seconds(30))) == nil  // true when cancelled
        } }
        try? await Task.sleep(for: .milliseconds(20))
        first.cancel()
        #expect(await first.value, "the work saw the cancellation")
        #expect(await turns.run("app") { 7 } == 7)
    }
}
