import Foundation
import SlipwayCore
import SlipwayQueue

/// Watches one delivery in the job store and prints each store's result as it changes: the Play
/// download URL, Applivery's "not processed yet" and then its redirect link, Product Science's
/// build, Ignite's stages, Amazon's committed edit.
struct DemoProgress {
    let jobStore: any JobStore
    let deliveryID: String
    private var printed: [String: String] = [:]

    init(jobStore: any JobStore, deliveryID: String) {
        self.jobStore = jobStore
        self.deliveryID = deliveryID
    }

    /// Prints changes until the delivery is done or failed (or `timeout` passes); returns its last record.
    mutating func follow(timeout: Duration) async throws -> DeliveryRecord? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var record: DeliveryRecord?
        while clock.now < deadline {
            record = try await jobStore.delivery(id: deliveryID)
            for result in record?.results ?? [] { show(result) }
            if let state = record?.state, state == .done || state == .failed { return record }
            try await Task.sleep(for: .milliseconds(150))
        }
        return record
    }

    private mutating func show(_ result: StoreResult) {
        let signature = "\(result.state)|\(result.summary)|\(result.links.map(\.url))|\(result.details.map(\.value))"
        guard printed[result.store] != signature else { return }
        printed[result.store] = signature
        let name = result.store.padding(toLength: 16, withPad: " ", startingAt: 0)
        let state = result.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
        say("   \(name) \(state) \(result.summary)")
        for link in result.links { say("   \(String(repeating: " ", count: 16))   → \(link.title): \(link.url)") }
        for detail in result.details where Self.shownDetails.contains(detail.label) {
            say("   \(String(repeating: " ", count: 16))   · \(detail.label): \(detail.value)")
        }
        if let failure = result.failure { say("   \(String(repeating: " ", count: 16))   ✗ \(failure.description)") }
    }

    /// The details worth a line in a terminal (hashes and fingerprints stay on the dashboard).
    static let shownDetails: Set<String> = [
        "Link expires", "Build id", "Upload state", "Upload status", "Samsung approval", "Manual approval",
        "Edit", "Commit state", "APK", "APK version code", "Package",
    ]
}
