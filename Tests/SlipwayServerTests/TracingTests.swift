import Foundation
import SlipwayFakes
import Testing

/// Issue 14 §2, traces: the real `slipway serve` exporting over OTLP/HTTP (JSON) to a fake
/// collector. One delivery is one trace, continuing the `traceparent` the CI sent: the webhook's
/// server span → accepting the build → the deliver job → the download, each store's upload and its
/// steps, each notification → one client span per HTTP call, and the called service sees the
/// client span's id in its `traceparent`. The process bootstraps the tracer once, which is why the
/// test runs the binary rather than an in-process server.
@Suite("Traces")
struct TracingTests {
    static let callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpan = "00f067aa0ba902b7"

    @Test func oneDeliveryIsOneTraceFromTheCIsWebhookToEveryStoreCall() async throws {
        let collector = FakeOTLPCollector()
        try await collector.run { otlpURL in
            try await TestWorld.with { world in
                let port = try await SlipwayProcess.freePort()
                let log = world.folder.appendingPathComponent("slipway.log")
                var environment = world.environment
                environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpURL
                environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json"
                environment["OTEL_BSP_SCHEDULE_DELAY"] = "100"
                let server = try await SlipwayProcess(
                    arguments: ["--config", world.configPath, "--log-format", "json"], environment: environment, port: port,
                    logFile: log)
                let url = "http://127.0.0.1:\(port)"
                var deliveryID = ""
                do {
                    await world.artifacts.add(path: "/builds/traced/app-release.apk", data: TestWorld.fakeAPK(seed: 91))
                    let accepted = try await world.postGeneric(
                        url, artifactURL: world.artifactsURL + "/builds/traced/app-release.apk", runID: "traced-1",
                        headers: ["traceparent": "00-\(Self.callerTrace)-\(Self.callerSpan)-01"])
                    try #require(accepted.status == 202, "\(accepted.json)")
                    deliveryID = try #require(accepted.json["delivery_id"] as? String)
                    let delivery = try await world.waitForDelivery(url, id: deliveryID)
                    #expect(delivery["state"] as? String == "done", "\(delivery)")
                } catch {
                    _ = try? await server.terminate(within: .seconds(30))
                    throw error
                }
                // SIGTERM: the exporter stops last, so whatever was still batched is sent.
                #expect(try await server.terminate(within: .seconds(30)), "serve exits on SIGTERM")

                let spans = await collector.trace(Self.callerTrace)
                let byID = Dictionary(spans.map { ($0.spanID, $0) }, uniquingKeysWith: { first, _ in first })
                func children(_ span: FakeOTLPSpan, named prefix: String = "") -> [FakeOTLPSpan] {
                    spans.filter { $0.parentSpanID == span.spanID && $0.name.hasPrefix(prefix) }
                }
                func descendants(_ span: FakeOTLPSpan) -> [FakeOTLPSpan] {
                    children(span).flatMap { [$0] + descendants($0) }
                }
                #expect(await collector.refused == 0)
                #expect(spans.allSatisfy { $0.serviceName == "slipway" })
                // A tree: every parent is in the trace, except the CI's own span.
                #expect(
                    spans.allSatisfy { $0.parentSpanID == Self.callerSpan || $0.parentSpanID.map { byID[$0] != nil } == true },
                    "\(spans.map { "\($0.name) \($0.spanID) ← \($0.parentSpanID ?? "-")" })")

                let webhook = try #require(spans.first { $0.parentSpanID == Self.callerSpan }, "no span continues the CI's")
                #expect(webhook.kind == 2 && webhook.name.contains("webhooks"), "\(webhook)")
                #expect(webhook.attributes["http.response.status_code"] == "202", "\(webhook.attributes)")
                let accept = try #require(children(webhook, named: "accept build").first)
                #expect(accept.attributes["slipway.delivery"] == deliveryID)
                let deliver = try #require(children(accept, named: "deliver").first)
                #expect(deliver.kind == 5)
                #expect(deliver.attributes["slipway.delivery"] == deliveryID && deliver.attributes["slipway.job.outcome"] == "completed")

                let download = try #require(children(deliver, named: "download artifact").first)
                let fetch = try #require(children(download).first { $0.kind == 3 }, "the download's GET is a client span")
                #expect(fetch.name == "GET" && fetch.attributes["url.full"] == world.artifactsURL + "/builds/traced/app-release.apk")
                // The artifact host was told whose request it was.
                let sent = await world.artifacts.requests.first { $0.path == "/builds/traced/app-release.apk" }?.headers["traceparent"]
                #expect(sent == "00-\(Self.callerTrace)-\(fetch.spanID)-01", "\(sent ?? "no traceparent")")

                for store in ["play", "applivery"] {
                    let upload = try #require(children(deliver, named: "upload to \(store)").first, "no span for \(store)")
                    #expect(upload.attributes["slipway.store.state"] == "succeeded" || upload.attributes["slipway.store.state"] == "waiting")
                    let steps = children(upload).filter { $0.attributes["slipway.step"] != nil }
                    #expect(!steps.isEmpty, "\(store) has step spans")
                    let calls = descendants(upload).filter { $0.kind == 3 }
                    #expect(!calls.isEmpty && calls.allSatisfy { $0.attributes["http.response.status_code"] != nil }, "\(store)'s HTTP calls")
                    #expect(calls.allSatisfy { span in steps.contains { step in descendants(step).contains(span) } }, "every call is in a step")
                }
                let notifications = children(deliver, named: "notify ")
                #expect(!notifications.isEmpty && notifications.contains { !descendants($0).filter { $0.kind == 3 }.isEmpty })

                // No credential, no query string in any attribute.
                let secrets = world.environment.values.filter { $0.count >= 8 }
                for span in spans {
                    for (key, value) in span.attributes {
                        #expect(!secrets.contains { value.contains($0) }, "\(span.name) \(key)")
                        if key == "url.full" { #expect(!value.contains("?"), "\(value)") }
                    }
                }
                // JSON log lines written inside the delivery's spans carry its trace id.
                let lines = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
                let delivered = lines.filter { $0["message"] as? String == "store upload finished" }
                #expect(!delivered.isEmpty && delivered.allSatisfy { $0["trace_id"] as? String == Self.callerTrace }, "\(delivered)")
            }
        }
    }
}
