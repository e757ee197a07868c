import Foundation
import Testing

/// Each store's state by name, from `/api/deliveries/ID`.
func storeStates(_ delivery: [String: Any]) -> [String: String] {
    var states: [String: String] = [:]
    for store in delivery["stores"] as? [[String: Any]] ?? [] {
        if let name = store["store"] as? String { states[name] = store["state"] as? String }
    }
    return states
}

/// Polls `condition` until it holds; records an issue (and throws) when it does not in `timeout`.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting until \(what)")
    throw CancellationError()
}
