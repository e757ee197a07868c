import NIOCore
import NIOFileSystem
import SlipwayCore

/// A byte range of a file that is still being downloaded, read chunk by chunk as the bytes land:
/// each read waits on the artifact's `ArtifactArrival` first (the chunk that ends the file waits for
/// the download to be complete and checked). Nothing is buffered beyond the chunk being sent.
struct ArrivingFileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let handle: ReadFileHandle
    /// For error messages.
    let path: String
    let range: Range<Int64>
    let chunkLength: Int64
    let arrival: ArtifactArrival

    func makeAsyncIterator() -> Iterator {
        Iterator(chunks: self, offset: range.lowerBound, reader: UInt64.random(in: .min ... .max))
    }

    struct Iterator: AsyncIteratorProtocol {
        let chunks: ArrivingFileChunks
        var offset: Int64
        let reader: UInt64
        /// How far the arrival last said the file may be read.
        var readable: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard offset < chunks.range.upperBound else { return nil }
            let end = Swift.min(offset + chunks.chunkLength, chunks.range.upperBound)
            if end > readable {
                readable = try await chunks.arrival.waitForBytes(upTo: end, ahead: 3 * chunks.chunkLength, reader: reader)
            }
            var buffer = try await chunks.handle.readChunk(fromAbsoluteOffset: offset, length: .bytes(end - offset))
            // A read may come back short; the rest of the chunk is on disk already.
            while Int64(buffer.readableBytes) < end - offset {
                let read = Int64(buffer.readableBytes)
                var more = try await chunks.handle.readChunk(fromAbsoluteOffset: offset + read, length: .bytes(end - offset - read))
                guard more.readableBytes > 0 else {
                    throw ArtifactFileError(
                        path: chunks.path, reason: "the file ended at \(offset + read) bytes, before the \(end) the download wrote")
                }
                buffer.writeBuffer(&more)
            }
            offset = end
            return buffer
        }
    }
}
