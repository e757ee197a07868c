import AsyncHTTPClient
import NIOCore
import SlipwayCore

/// What an App Submission API request carries. Files are streamed from disk on every attempt,
/// never read into memory.
enum AmazonRequestBody: Sendable {
    case empty
    case json(ByteBuffer)
    /// The file's bytes as the whole body.
    case file(path: String, size: Int64, contentType: String, arrival: ArtifactArrival?)
    /// `multipart/form-data` with one part named `file` (how the amazon_appstore gem sends large APKs).
    case multipartFile(path: String, size: Int64, fileName: String, contentType: String, arrival: ArtifactArrival?)

    var bytes: Int64 {
        switch self {
        case .empty: 0
        case .json(let buffer): Int64(buffer.readableBytes)
        case .file(_, let size, _, _), .multipartFile(_, let size, _, _, _): size
        }
    }

    /// Calls `send` with the request body (and its Content-Type), keeping the file open meanwhile.
    func with<Result: Sendable>(
        _ send: (HTTPClientRequest.Body?, _ contentType: String?) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .empty:
            return try await send(nil, nil)
        case .json(let buffer):
            return try await send(.bytes(buffer), "application/json")
        case .file(let path, let size, let contentType, let arrival):
            return try await FileUploadBody.withStreamingBody(path: path, range: 0..<size, arrival: arrival) { body in
                try await send(body, contentType)
            }
        case .multipartFile(let path, let size, let fileName, let contentType, let arrival):
            let boundary = "slipway-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let safeName = fileName.filter { $0 != "\"" && $0 != "\r" && $0 != "\n" }
            let prefix = ByteBuffer(
                string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(safeName)\"\r\n"
                    + "Content-Type: \(contentType)\r\n\r\n")
            let suffix = ByteBuffer(string: "\r\n--\(boundary)--\r\n")
            return try await FileUploadBody.withStreamingBody(
                path: path, range: 0..<size, arrival: arrival, prefix: prefix, suffix: suffix
            ) {
                try await send($0, "multipart/form-data; boundary=\(boundary)")
            }
        }
    }
}
