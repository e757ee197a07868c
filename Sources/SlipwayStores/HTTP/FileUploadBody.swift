package import AsyncHTTPClient
package import NIOCore
package import NIOFileSystem
package import SlipwayCore

/// Streams a file, or a byte range of it, as a request body without holding it in memory.
///
/// The file is opened for the duration of `body` only, so the request must be sent (and its answer
/// read) inside the closure: `StoreHTTPClient.send` does both.
package enum FileUploadBody {
    /// How much of the file each read takes. NIOFileSystem reads up to 8 chunks ahead of the
    /// request body, so this times 8 is what one upload holds: with 1 MiB reads five concurrent
    /// uploads peaked at 253 MiB (client and loopback fake), with 256 KiB at about 110 MiB, at the
    /// same throughput (`slipway bench --stores 5`).
    package static let readChunkBytes: Int64 = 256 * 1024

    /// The size of the file at `path`, from the file system (not from what a caller believes).
    package static func size(ofFileAt path: String) async throws(ArtifactFileError) -> Int64 {
        do {
            guard let info = try await FileSystem.shared.info(forFileAt: FilePath(path)) else {
                throw ArtifactFileError(path: path, reason: "the file does not exist")
            }
            return info.size
        } catch let error as ArtifactFileError {
            throw error
        } catch {
            throw ArtifactFileError(path: path, reason: "\(error)")
        }
    }

    /// Opens `path`, hands `body` a request body that streams `range` of it (`length: .known`), and
    /// closes the file when `body` returns. `prefix` and `suffix` go before and after the file's
    /// bytes (a multipart part's header and the closing boundary). Errors opening the file come out
    /// as `ArtifactFileError`.
    ///
    /// With `arrival` (the artifact is still downloading), each chunk is read once the download has
    /// written it, and the chunk that ends the file once the download is complete and checked.
    package static func withStreamingBody<Result: Sendable>(
        path: String, range: Range<Int64>, arrival: ArtifactArrival? = nil, prefix: ByteBuffer = ByteBuffer(),
        suffix: ByteBuffer = ByteBuffer(), readChunkBytes: Int64 = FileUploadBody.readChunkBytes,
        _ body: (HTTPClientRequest.Body) async throws -> Result
    ) async throws -> Result {
        let length = Int64(prefix.readableBytes) + (range.upperBound - range.lowerBound) + Int64(suffix.readableBytes)
        func send<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) async throws -> Result where Chunks.Element == ByteBuffer {
            if prefix.readableBytes == 0 && suffix.readableBytes == 0 {
                return try await body(.stream(chunks, length: .known(length)))
            }
            return try await body(.stream(FramedChunks(prefix: prefix, chunks: chunks, suffix: suffix), length: .known(length)))
        }
        // Once the download is complete and checked, a body reads the file as any other (with read-ahead).
        guard let arrival, await !arrival.isComplete else {
            return try await withFileChunks(path: path, range: range, readChunkBytes: readChunkBytes) { try await send($0) }
        }
        return try await withReadHandle(path: path) { handle in
            try await send(ArrivingFileChunks(handle: handle, path: path, range: range, chunkLength: readChunkBytes, arrival: arrival))
        }
    }

    /// The length a store must announce: the file's while it arrives (the download's
    /// `Content-Length`), else what the file system says.
    package static func size(of artifact: Artifact) async throws(ArtifactFileError) -> Int64 {
        if artifact.arrival != nil { return artifact.size }
        return try await size(ofFileAt: artifact.path)
    }

    /// Opens `path` and hands `body` the chunks of `range`, for bodies that transform the bytes on
    /// the way (base64). The file is closed when `body` returns; only errors of opening and closing
    /// it become `ArtifactFileError`, the caller's own errors pass through unchanged.
    package static func withFileChunks<Result: Sendable>(
        path: String, range: Range<Int64>, readChunkBytes: Int64 = FileUploadBody.readChunkBytes,
        _ body: (FileChunks) async throws -> Result
    ) async throws -> Result {
        try await withReadHandle(path: path) { handle in
            try await body(handle.readChunks(in: range, chunkLength: .bytes(readChunkBytes)))
        }
    }

    /// Opens `path` for `body`; only errors of opening and closing it become `ArtifactFileError`.
    private static func withReadHandle<Result: Sendable>(
        path: String, _ body: (ReadFileHandle) async throws -> Result
    ) async throws -> Result {
        do {
            return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                do {
                    return try await body(handle)
                } catch {
                    throw FailureInsideBody(error: error)
                }
            }
        } catch let failure as FailureInsideBody {
            throw failure.error
        } catch {
            throw ArtifactFileError(path: path, reason: "\(error)")
        }
    }
}

/// `prefix`, the file's chunks, then `suffix`, as one byte stream.
struct FramedChunks<Chunks: AsyncSequence & Sendable>: AsyncSequence, Sendable where Chunks.Element == ByteBuffer {
    typealias Element = ByteBuffer

    let prefix: ByteBuffer
    let chunks: Chunks
    let suffix: ByteBuffer

    func makeAsyncIterator() -> Iterator {
        Iterator(prefix: prefix, chunks: chunks.makeAsyncIterator(), suffix: suffix)
    }

    struct Iterator: AsyncIteratorProtocol {
        enum Phase { case prefix, chunks, done }

        let prefix: ByteBuffer
        var chunks: Chunks.AsyncIterator
        let suffix: ByteBuffer
        var phase = Phase.prefix

        mutating func next() async throws -> ByteBuffer? {
            switch phase {
            case .prefix:
                phase = .chunks
                return prefix
            case .chunks:
                if let chunk = try await chunks.next() { return chunk }
                phase = .done
                return suffix
            case .done:
                return nil
            }
        }
    }
}

/// Carries an error of the caller's closure past the file-system layer, so that only errors of
/// opening and closing the file become `ArtifactFileError`.
private struct FailureInsideBody: Error {
    var error: any Error
}

/// The artifact on local disk could not be read. Not retryable: the file is gone or unreadable, and
/// the delivery must fetch it again.
package struct ArtifactFileError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var reason: String

    package var description: String { "cannot read the artifact file \(path): \(reason)" }
}
