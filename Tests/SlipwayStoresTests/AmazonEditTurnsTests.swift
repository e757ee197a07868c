import Foundation
@testable import SlipwayStores
import Testing

/// Submissions to one Amazon app take turns in this process (one Edit, one ETag at a time).
@Suite struct AmazonEditTurnsTests {
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
        let turns = AmazonEditTurns()
        let timeline = Timeline()
        await withTaskGroup(of: Void.self) { group in
            for id in 0..<6 {
                group.addTask {
                    _ = await turns.take {
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
        let turns = AmazonEditTurns()
        let first = Task { await turns.take { () async -> Bool in
            (try? await Task.sleep(for: .seconds(30))) == nil  // true when cancelled
        } }
        try? await Task.sleep(for: .milliseconds(20))
        first.cancel()
        #expect(await first.value, "the work saw the cancellation")
        #expect(await turns.take { 7 } == 7)
    }
}
