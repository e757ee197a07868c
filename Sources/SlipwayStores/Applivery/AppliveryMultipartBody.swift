package import AsyncHTTPClient
package import SlipwayCore
import Foundation
import NIOCore

/// A `multipart/form-data` body whose file part streams from disk: the text fields and the file
/// part's header go first, then the file in chunks, then the closing boundary. Its length is
/// known before the first byte goes out, so the request carries an exact `Content-Length`.
package struct AppliveryMultipartBody: Sendable {
    package let boundary: String
    let preamble: ByteBuffer
    let epilogue: ByteBuffer
    package let fileSize: Int64

    /// - Parameters:
    ///   - fields: text parts, in order, before the file.
    ///   - fileField: the file part's name (`build`).
    package init(
        fields: [(name: String, value: String)], fileField: String, fileName: String, fileSize: Int64,
        boundary: String = "slipway-" + UUID().uuidString
    ) {
        self.boundary = boundary
        self.fileSize = fileSize
        var head = ""
        for field in fields {
            head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(field.name))\"\r\n\r\n"
            head += field.value + "\r\n"
        }
        head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(fileField))\"; "
            + "filename=\"\(Self.quoted(fileName))\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        self.preamble = ByteBuffer(string: head)
        self.epilogue = ByteBuffer(string: "\r\n--\(boundary)--\r\n")
    }

    package var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// Preamble, file and closing boundary together.
    package var contentLength: Int64 { Int64(preamble.readableBytes) + fileSize + Int64(epilogue.readableBytes) }

    /// Opens `path`, hands `body` the streaming request body, and closes the file when `body`
    /// returns; as `FileUploadBody.withStreamingBody`, the request must be sent inside `body`.
    /// Errors opening the file come out as `ArtifactFileError`.
    package func withStreamingBody<Result: Sendable>(
        path: String, arrival: ArtifactArrival? = nil, readChunkBytes: Int64 = FileUploadBody.readChunkBytes,
        _ body: (HTTPClientRequest.Body) async throws -> Result
    ) async throws -> Result {
        try await FileUploadBody.withStreamingBody(
            path: path, range: 0..<fileSize, arrival: arrival, prefix: preamble, suffix: epilogue, readChunkBytes: readChunkBytes, body)
    }

    /// Quotes a name for `Content-Disposition`: `"` and line breaks are percent-encoded, as browsers do.
    static func quoted(_ name: String) -> String {
        name.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }
}
