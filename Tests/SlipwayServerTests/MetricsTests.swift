import Foundation
import SlipwayFakes
import Testing

/// Issue 14 §2: what `/metrics` says after real deliveries — upload durations and sizes by store
/// type, uploads by outcome, the queue read from the job store, token refreshes by provider —
/// and that no label carries a repository, branch or sha.
@Suite("Metrics")
struct MetricsTests {
    /// The sample value of the line that starts with `series` (name and labels), if there is one.
    func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func uploadsQueueAndTokenRefreshesAreCountedWithLowCardinalityLabels() async throws {
        try await TestWorld.with { world in
            let path = "/builds/metrics/app-release.apk"
            let apk = TestWorld.fakeAPK(size: 2 << 20, seed: 81)
            await world.artifacts.add(path: path, data: apk)
            try await world.withServer { server in
                let answer = try await world.postGeneric(server, artifactURL: world.artifactsURL + path, runID: "metrics-1")
                let id = try #require(answer.json["delivery_id"] as? String)
                #expect(try await world.waitForDelivery(server, id: id)["state"] as? String == "done")

                let text = try await world.sendText(server + "/metrics").text
                for type in ["google-play", "applivery"] {
                    #expect(value(#"slipway_store_upload_duration_seconds_count{store_type="\#(type)"}"#, in: text) == 1, "\(type)")
                    #expect(value(#"slipway_store_upload_size_bytes_sum{store_type="\#(type)"}"#, in: text) == Double(apk.count))
                    // 2 MiB falls in the 4 MiB bucket, not the 1 MiB one.
                    #expect(value(#"slipway_store_upload_size_bytes_bucket{store_type="\#(type)",le="1048576.0"}"#, in: text) == 0)
                    #expect(value(#"slipway_store_upload_size_bytes_bucket{store_type="\#(type)",le="4194304.0"}"#, in: text) == 1)
                    #expect(value(#"slipway_store_uploads_total{store_type="\#(type)",outcome="succeeded"}"#, in: text) == 1)
                }
                #expect(value("slipway_jobs_due", in: text) == 0)
                #expect(value("slipway_jobs_running", in: text) == 0)
                #expect(value("slipway_oldest_due_job_age_seconds", in: text) == 0)
                #expect((value(#"slipway_token_refreshes_total{provider="google",outcome="ok"}"#, in: text) ?? 0) >= 1)
                #expect(!text.contains(TestWorld.repository) && !text.contains("aaaabbbbcccc") && !text.contains("main\""))
            }
        }
    }
}
