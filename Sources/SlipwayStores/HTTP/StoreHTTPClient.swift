package import AsyncHTTPClient
package import Logging
package import NIOCore
import NIOHTTP1
package import SlipwayHTTP

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
    /// The door every call goes through: credentials kept to their origin, store-returned URLs
    /// (upload sessions, signed URLs) checked against the private-network rule.
    package let outbound: OutboundHTTP
    package var timeouts: Timeouts
    /// Response bodies are read up to this many bytes; the rest is discarded.
    package var maxResponseBytes: Int

    package init(
        client: HTTPClient, timeouts: Timeouts = Timeouts(), maxResponseBytes: Int = 1024 * 1024,
        network: PrivateNetworkPolicy = .strict
    ) {
        self.client = client
        self.outbound = OutboundHTTP(client: client, network: network)
        self.timeouts = timeouts
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends `request` and reads its answer. Throws `StoreTransportError` when no answer came, and
    /// `OutboundRefusal` (final) when the guard refused the URL.
    ///
    /// - Parameter trust: `.external` for a URL the store handed back (an upload session, a signed
    ///   URL) on another origin than the configured one.
    package func send(
        _ request: HTTPClientRequest, timeout: TimeAmount, logger: Logger, trust: OutboundHTTP.Trust = .configured
    ) async throws -> StoreHTTPResponse {
        let safeURL = Redaction.withoutQuery(request.url)
        logger.debug("store request", metadata: ["method": "\(request.method.rawValue)", "url": "\(safeURL)"])
        do {
            // AsyncHTTPClient's own logs may carry the URL with its query: keep them off.
            let limit = maxResponseBytes
            let answer = try await outbound.withResponse(request, trust: trust, timeout: timeout) { response, _ in
                var body = ByteBuffer()
                for try await part in response.body {
                    let room = limit - body.readableBytes
                    if room > 0 {
                        var part = part
                        if let slice = part.readSlice(length: min(room, part.readableBytes)) {
                            body.writeImmutableBuffer(slice)
                        }
                    }
                }
                return StoreHTTPResponse(status: Int(response.status.code), headers: response.headers, body: body)
            }
            logger.debug(
                "store response",
                metadata: ["method": "\(request.method.rawValue)", "url": "\(safeURL)", "status": "\(answer.status)"])
            return answer
        } catch let error as CancellationError {
            throw error
        } catch let error as OutboundRefusal {
            throw error
        } catch {
            throw StoreTransportError(url: request.url, underlying: error)
        }
    }

    /// `.configured` when a URL a store handed back is on the origin of its configured base URL,
    /// `.external` otherwise (then the private-network rule applies to it).
    package static func trust(ofReturned url: String, configured base: String) -> OutboundHTTP.Trust {
        guard let origin = Origin(url), origin == Origin(base) else { return .external }
        return .configured
    }
}
