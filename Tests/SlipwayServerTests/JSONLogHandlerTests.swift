import Foundation
import Logging
import SlipwayServer
import Synchronization
import Testing

/// `--log-format json`: one JSON object a line, fixed keys first, metadata flattened beside them.
@Suite("JSON log lines")
struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func add(_ line: String) { lines.withLock { $0.append(line) } }
    }

    private func logger(_ lines: Lines, provider: Logger.MetadataProvider? = nil) -> Logger {
        Logger(label: "slipway") { label in
            var handler = JSONLogHandler(label: label, metadataProvider: provider, write: lines.add)
            handler.logLevel = .info
            return handler
        }
    }

    @Test func oneObjectALineWithTimeLevelMessageAndMetadata() throws {
        let lines = Lines()
        var log = logger(lines, provider: Logger.MetadataProvider { ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"] })
        log[metadataKey: "delivery"] = "dlv_123"
        log.info("uploaded", metadata: ["store": "play", "step": "upload", "bytes": .stringConvertible(1024)])
        log.debug("not shown at info")
        log.warning("a \"quoted\"\nmessage\twith\u{1} controls", metadata: ["tags": ["qa", "beta"], "nested": ["k": "v"]])

        #expect(lines.all.count == 2)
        #expect(lines.all.allSatisfy { $0.hasSuffix("}\n") && $0.dropLast().contains("\n") == false })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any])
        #expect(first["level"] as? String == "info")
        #expect(first["message"] as? String == "uploaded")
        #expect(first["delivery"] as? String == "dlv_123")
        #expect(first["store"] as? String == "play")
        #expect(first["step"] as? String == "upload")
        #expect(first["bytes"] as? String == "1024")
        #expect(first["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        let time = try #require(first["time"] as? String)
        #expect(try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(time).timeIntervalSinceNow.magnitude < 60)
        // The fixed keys lead, in this order, so lines read alike.
        #expect(lines.all[0].hasPrefix("{\"time\":"))
        #expect(lines.all[0].range(of: "\"level\":")!.lowerBound < lines.all[0].range(of: "\"message\":")!.lowerBound)

        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[1].utf8)) as? [String: Any])
        #expect(second["message"] as? String == "a \"quoted\"\nmessage\twith\u{1} controls")
        #expect(second["tags"] as? [String] == ["qa", "beta"])
        #expect((second["nested"] as? [String: String]) == ["k": "v"])
    }

    @Test func metadataCannotOverwriteTheFixedKeys() throws {
        let lines = Lines()
        logger(lines).error("real", metadata: ["message": "forged", "level": "trace"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "real")
        #expect(object["level"] as? String == "error")
    }
}
