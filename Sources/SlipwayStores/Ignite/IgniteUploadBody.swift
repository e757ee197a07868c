import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import SlipwayCore

/// The upload request's body in the configured `upload_encoding`, streamed from disk: a preamble
/// (text parts and the file part's header, or the JSON up to `"file":"`), the APK in chunks (as is,
/// or base64-encoded on the fly), then an epilogue. Its length is known before the first byte goes
/// out, so the request carries an exact `Content-Length`, and the APK is never held in memory.
struct IgniteUploadBody: Sendable {
    let contentType: String
    let preamble: ByteBuffer
    let epilogue: ByteBuffer
    let fileSize: Int64
    let base64: Bool

    init(
        encoding: IgniteSettings.UploadEncoding, fields: IgniteUploadFields, fileName: String,
        boundary: String = "slipway-" + UUID().uuidString
    ) {
        fileSize = fields.size
        switch encoding {
        case .multipart, .multipartBracketed:
            let parts = encoding == .multipart ? fields.multipartParts() : fields.bracketedParts()
            var head = ""
            for part in parts {
                head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(part.name))\"\r\n\r\n"
                head += part.value + "\r\n"
            }
            head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(Self.quoted(fileName))\"\r\n"
                + "Content-Type: application/vnd.android.package-archive\r\n\r\n"
            contentType = "multipart/form-data; boundary=\(boundary)"
            preamble = ByteBuffer(string: head)
            epilogue = ByteBuffer(string: "\r\n--\(boundary)--\r\n")
            base64 = false
        case .jsonBase64:
            var head = IgniteUploadFields.json(fields.object)
            head.removeLast()  // the closing brace; the file goes last
            head += ",\"file\":\""
            contentType = "application/json"
            preamble = ByteBuffer(string: head)
            epilogue = ByteBuffer(string: "\"}")
            base64 = true
        }
    }

    /// Bytes of the file as sent: base64 makes every 3 bytes 4.
    var encodedFileSize: Int64 { base64 ? (fileSize + 2) / 3 * 4 : fileSize }

    var contentLength: Int64 { Int64(preamble.readableBytes) + encodedFileSize + Int64(epilogue.readableBytes) }

    /// Opens `path`, hands `body` the streaming request body, and closes the file when `body`
    /// returns; the request must be sent inside `body`. Errors opening the file come out as
    /// `ArtifactFileError`.
    func withStreamingBody<Result: Sendable>(
        path: String, readChunkBytes: Int64 = 1024 * 1024, _ body: (HTTPClientRequest.Body) async throws -> Result
    ) async throws -> Result {
        if !base64 {
            return try await FileUploadBody.withStreamingBody(
                path: path, range: 0..<fileSize, prefix: preamble, suffix: epilogue, readChunkBytes: readChunkBytes, body)
        }
        return try await FileUploadBody.withFileChunks(path: path, range: 0..<fileSize, readChunkBytes: readChunkBytes) { chunks in
            let parts = IgniteBodyParts(preamble: preamble, file: chunks, base64: base64, epilogue: epilogue)
            return try await body(.stream(parts, length: .known(contentLength)))
        }
    }

    /// `"` and line breaks percent-encoded, as browsers do in `Content-Disposition`.
    static func quoted(_ name: String) -> String {
        name.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }
}

/// Preamble, the file's chunks (base64-encoded when asked, carrying 0–2 bytes between chunks so
/// the output is one continuous base64 text), then the epilogue.
struct IgniteBodyParts<FileChunks: AsyncSequence & Sendable>: AsyncSequence, Sendable
where FileChunks.Element == ByteBuffer {
    typealias Element = ByteBuffer

    let preamble: ByteBuffer
    let file: FileChunks
    let base64: Bool
    let epilogue: ByteBuffer

    func makeAsyncIterator() -> Iterator {
        Iterator(preamble: preamble, file: file.makeAsyncIterator(), base64: base64, epilogue: epilogue)
    }

    struct Iterator: AsyncIteratorProtocol {
        enum Phase { case preamble, file, done }

        let preamble: ByteBuffer
        var file: FileChunks.AsyncIterator
        let base64: Bool
        let epilogue: ByteBuffer
        var phase = Phase.preamble
        var carry: [UInt8] = []

        init(preamble: ByteBuffer, file: FileChunks.AsyncIterator, base64: Bool, epilogue: ByteBuffer) {
            self.preamble = preamble
            self.file = file
            self.base64 = base64
            self.epilogue = epilogue
        }

        mutating func next() async throws -> ByteBuffer? {
            switch phase {
            case .preamble:
                phase = .file
                return preamble
            case .file:
                while let chunk = try await file.next() {
                    guard base64 else { return chunk }
                    var bytes = carry
                    bytes.append(contentsOf: chunk.readableBytesView)
                    let whole = bytes.count / 3 * 3
                    carry = Array(bytes[whole...])
                    if whole > 0 { return ByteBuffer(bytes: Data(bytes[..<whole]).base64EncodedData()) }
                }
                phase = .done
                guard !carry.isEmpty else { return epilogue }
                var last = ByteBuffer(bytes: Data(carry).base64EncodedData())
                carry = []
                var tail = epilogue
                last.writeBuffer(&tail)
                return last
            case .done:
                return nil
            }
        }
    }
}
