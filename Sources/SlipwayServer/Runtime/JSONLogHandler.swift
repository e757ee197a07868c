import Glibc
import Foundation
package import Logging
import SlipwayReport

/// Log lines as one JSON object each (`--log-format json`), for collectors that index fields:
/// `time`, `level`, `message`, `label`, then every metadata key (`delivery`, `store`, `step`, …) and
/// what the metadata provider adds (the trace id, when tracing is on). Keys are fixed and in that
/// order so a line reads the same every time.
///
/// Written by hand rather than through `JSONEncoder`: the fixed key order, and one `fwrite` per
/// line (whole lines, never interleaved between threads) without an encoder per call.
package struct JSONLogHandler: LogHandler {
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// `write` receives each line with its newline; the default writes it to standard error.
    package init(
        label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
        write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = "{\"time\":"
        Self.appendString(Self.timestamp(Date()), to: &line)
        line += ",\"level\":"
        Self.appendString(event.level.rawValue, to: &line)
        line += ",\"message\":"
        Self.appendString(event.message.description, to: &line)
        line += ",\"label\":"
        Self.appendString(label, to: &line)
        for key in merged.keys.sorted() where !Self.reserved.contains(key) {
            line += ","
            Self.appendString(key, to: &line)
            line += ":"
            Self.appendValue(merged[key]!, to: &line)
        }
        line += "}\n"
        write(line)
    }

    private static let reserved: Set<String> = ["time", "level", "message", "label"]

    /// One `write(2)` per line: whole lines, not interleaved with another thread's (up to the
    /// pipe's atomic size, 4 KiB, when standard error is a pipe).
    package static let standardError: @Sendable (String) -> Void = { line in
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &line)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &line)
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                appendValue(element, to: &line)
            }
            line += "]"
        case .dictionary(let entries):
            line += "{"
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { line += "," }
                appendString(key, to: &line)
                line += ":"
                appendValue(entries[key]!, to: &line)
            }
            line += "}"
        }
    }

    /// A JSON string literal, escaped as the JSON templates escape their text.
    private static func appendString(_ text: String, to line: inout String) {
        line += "\""
        line += JSONText.escape(text)
        line += "\""
    }
}

/// How log lines look: `text` (swift-log's stream format, for people) or `json` (for collectors).
package enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    /// Sets the process's log handler once, at start, and returns the logger commands use.
    /// - Parameter metadataProvider: adds to every line what the task carries (the trace and span ids).
    package static func bootstrap(
        level: Logger.Level, format: LogFormat, metadataProvider: Logger.MetadataProvider? = nil
    ) -> Logger {
        LoggingSystem.bootstrap(
            { label, provider in
                switch format {
                case .text:
                    var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    handler.logLevel = level
                    return handler
                case .json:
                    var handler = JSONLogHandler(label: label, metadataProvider: provider)
                    handler.logLevel = level
                    return handler
                }
            }, metadataProvider: metadataProvider)
        var logger = Logger(label: "slipway")
        logger.logLevel = level
        return logger
    }
}
