package import AsyncHTTPClient
package import Logging
package import NIOCore
import NIOHTTP1

/// The one HTTP client every store talks through: a thin layer over a long-lived AsyncHTTPClient
/// `HTTPClient` that its owner (the runtime, a test) creates and shuts down.
///
/// It adds what every store call needs: an explicit deadline on each request (Google asks for at
/// least two minutes on upload calls, which return only once the artifact is processed), a
/// bounded read of the response body (store answers are small JSON), and transport failures
/// turned into `StoreTransportError`, whose text never carries a query string.
package struct StoreHTTPClient: Sendable {
    /// Per-request deadlines.
    package struct Timeouts: Sendable {
        /// Token and metadata calls.
        package var api: TimeAmount
        /// The floor for any call that carries artifact bytes (Google: at least 2 minutes).
        package var uploadMinimum: TimeAmount
        /// Slowest sustained upload rate still considered alive; large bodies get proportionally
        /// more time on top of `uploadMinimum`.
        package var minimumUploadBytesPerSecond: Int64

        package init(
            api: TimeAmount = .seconds(60), uploadMinimum: TimeAmount = .minutes(2),
            minimumUploadBytesPerSecond: Int64 = 256 * 1024
        ) {
            self.api = api
            self.uploadMinimum = uploadMinimum
            self.minimumUploadBytesPerSecond = minimumUploadBytesPerSecond
        }

        /// The deadline for a request carrying `bytes` of artifact.
        package func upload(bytes: Int64) -> TimeAmount {
            let perByte = TimeAmount.seconds(bytes / max(1, minimumUploadBytesPerSecond))
            return uploadMinimum + perByte
        }
    }

    package let client: HTTPClient
    package var timeouts: Timeouts
    /// Response bodies are read up to this many bytes; the rest is discarded.
    package var maxResponseBytes: Int

    package init(client: HTTPClient, timeouts: Timeouts = Timeouts(), maxResponseBytes: Int = 1024 * 1024) {
        self.client = client
        self.timeouts = timeouts
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends `request` and reads its answer. Throws `StoreTransportError` when no answer came.
    package func send(_ request: HTTPClientRequest, timeout: TimeAmount, logger: Logger) async throws
        -> StoreHTTPResponse
    {
        let safeURL = Redaction.withoutQuery(request.url)
        logger.debug("store request", metadata: ["method": "\(request.method.rawValue)", "url": "\(safeURL)"])
        do {
            // AsyncHTTPClient's own logs may carry the URL with its query: keep them off.
            let response = try await client.execute(request, timeout: timeout)
            var body = ByteBuffer()
            for try await part in response.body {
                let room = maxResponseBytes - body.readableBytes
                if room > 0 {
                    var part = part
                    if let slice = part.readSlice(length: min(room, part.readableBytes)) {
                        body.writeImmutableBuffer(slice)
                    }
                }
            }
            logger.debug(
                "store response",
                metadata: ["method": "\(request.method.rawValue)", "url": "\(safeURL)", "status": "\(response.status.code)"])
            return StoreHTTPResponse(status: Int(response.status.code), headers: response.headers, body: body)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw StoreTransportError(url: request.url, underlying: error)
        }
    }
}
