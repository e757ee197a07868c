package import AsyncHTTPClient
import NIOFileSystem

/// Streams a file, or a byte range of it, as a request body without holding it in memory.
///
/// The file is opened for the duration of `body` only, so the request must be sent (and its answer
/// read) inside the closure: `StoreHTTPClient.send` does both.
package enum FileUploadBody {
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
    /// closes the file when `body` returns. Errors opening the file come out as `ArtifactFileError`.
    package static func withStreamingBody<Result: Sendable>(
        path: String, range: Range<Int64>, readChunkBytes: Int64 = 1024 * 1024,
        _ body: (HTTPClientRequest.Body) async throws -> Result
    ) async throws -> Result {
        do {
            return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                let chunks = handle.readChunks(in: range, chunkLength: .bytes(readChunkBytes))
                do {
                    return try await body(.stream(chunks, length: .known(range.upperBound - range.lowerBound)))
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
