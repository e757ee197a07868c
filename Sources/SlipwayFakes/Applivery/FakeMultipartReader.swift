import Foundation
import Crypto

/// Reads a `multipart/form-data` body as it streams in: text parts are kept (up to 64 KiB each),
/// file parts are only counted and hashed, so a build of any size never sits in memory.
/// Accepts what browsers and curl send: CRLF line ends, quoted `name`/`filename`.
struct FakeMultipartReader {
    struct FilePart: Sendable, Equatable {
        var name: String
        var fileName: String
        var contentType: String?
        var byteCount: Int64
        /// Lowercase hex sha256 of the part's bytes.
        var sha256: String
    }

    private enum State {
        case preamble
        case afterDelimiter
        case headers
        case body
        case done
    }

    private struct Part {
        var name = ""
        var fileName: String?
        var contentType: String?
        var text: [UInt8] = []
        var hasher = SHA256()
        var byteCount: Int64 = 0
    }

    private let delimiter: [UInt8]
    private var buffer: [UInt8] = Array("\r\n".utf8)
    private var state = State.preamble
    private var part = Part()

    private(set) var fields: [String: String] = [:]
    private(set) var fieldOrder: [String] = []
    private(set) var files: [FilePart] = []
    /// A malformed body: what was wrong.
    private(set) var problem: String?

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// Whether the closing boundary was seen.
    var isComplete: Bool { if case .done = state { true } else { false } }

    mutating func feed(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
        process()
    }

    private mutating func process() {
        while problem == nil {
            switch state {
            case .preamble:
                guard let range = buffer.firstRange(of: delimiter) else {
                    keepTail()
                    return
                }
                buffer.removeFirst(range.upperBound)
                state = .afterDelimiter
            case .afterDelimiter:
                guard buffer.count >= 2 else { return }
                if buffer[0] == UInt8(ascii: "-") && buffer[1] == UInt8(ascii: "-") {
                    state = .done
                    buffer.removeAll()
                    return
                }
                guard buffer[0] == UInt8(ascii: "\r") && buffer[1] == UInt8(ascii: "\n") else {
                    problem = "a boundary is not followed by CRLF"
                    return
                }
                buffer.removeFirst(2)
                state = .headers
            case .headers:
                guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) else {
                    if buffer.count > 16 * 1024 { problem = "part headers longer than 16 KiB" }
                    return
                }
                let text = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                buffer.removeFirst(end.upperBound)
                part = Part()
                for line in text.split(separator: "\r\n") {
                    let pieces = line.split(separator: ":", maxSplits: 1)
                    guard pieces.count == 2 else { continue }
                    let value = pieces[1].trimmingPrefix(" ")
                    switch pieces[0].lowercased() {
                    case "content-disposition":
                        part.name = Self.parameter("name", in: value) ?? ""
                        part.fileName = Self.parameter("filename", in: value)
                    case "content-type":
                        part.contentType = String(value)
                    default:
                        break
                    }
                }
                state = .body
            case .body:
                if let range = buffer.firstRange(of: delimiter) {
                    take(buffer[..<range.lowerBound])
                    buffer.removeFirst(range.upperBound)
                    finishPart()
                    state = .afterDelimiter
                } else {
                    let safe = buffer.count - (delimiter.count - 1)
                    if safe > 0 {
                        take(buffer[..<safe])
                        buffer.removeFirst(safe)
                    }
                    return
                }
            case .done:
                buffer.removeAll()
                return
            }
        }
    }

    private mutating func keepTail() {
        let keep = delimiter.count - 1
        if buffer.count > keep { buffer.removeFirst(buffer.count - keep) }
    }

    private mutating func take(_ bytes: ArraySlice<UInt8>) {
        part.byteCount += Int64(bytes.count)
        if part.fileName != nil {
            bytes.withUnsafeBytes { part.hasher.update(bufferPointer: $0) }
        } else if part.text.count < 64 * 1024 {
            part.text.append(contentsOf: bytes.prefix(64 * 1024 - part.text.count))
        }
    }

    private mutating func finishPart() {
        if let fileName = part.fileName {
            let digest = part.hasher.finalize().map { String(format: "%02x", $0) }.joined()
            files.append(
                FilePart(
                    name: part.name, fileName: fileName, contentType: part.contentType, byteCount: part.byteCount,
                    sha256: digest))
        } else {
            if fields[part.name] == nil { fieldOrder.append(part.name) }
            fields[part.name] = String(decoding: part.text, as: UTF8.self)
        }
    }

    /// `name="value"` (or unquoted) inside a `Content-Disposition` value.
    static func parameter(_ name: String, in value: Substring) -> String? {
        for piece in value.split(separator: ";") {
            let trimmed = piece.trimmingPrefix(" ")
            guard trimmed.lowercased().hasPrefix("\(name)=") else { continue }
            var raw = trimmed.dropFirst(name.count + 1)
            if raw.hasPrefix("\""), raw.hasSuffix("\""), raw.count >= 2 { raw = raw.dropFirst().dropLast() }
            return String(raw)
        }
        return nil
    }

    /// The boundary of a `multipart/form-data; boundary=…` content type.
    static func boundary(ofContentType contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        return parameter("boundary", in: Substring(contentType))
    }
}
