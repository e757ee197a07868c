import AsyncHTTPClient

/// A call that got no HTTP answer: the connection failed, timed out or was cut. Its description
/// names the host only, never the path's query or any header.
package struct StoreTransportError: Error, Sendable, CustomStringConvertible {
    /// `https://host/path` of the call, query removed.
    package var url: String
    /// What the transport said, e.g. "connect timeout" or "remote connection closed".
    package var reason: String
    /// Timeouts and dropped or refused connections; see `RetryPolicy.isRetryable(error:)`.
    package var isRetryable: Bool

    package init(url: String, underlying: any Error) {
        self.url = Redaction.withoutQuery(url)
        self.isRetryable = RetryPolicy.isRetryable(error: underlying)
        if let clientError = underlying as? HTTPClientError {
            self.reason = Self.describe(clientError)
        } else {
            self.reason = Redaction.scrub(String(describing: underlying))
        }
    }

    package var description: String { "no answer from \(url): \(reason)" }

    private static func describe(_ error: HTTPClientError) -> String {
        switch error {
        case .connectTimeout: "connect timeout"
        case .readTimeout: "read timeout"
        case .writeTimeout: "write timeout"
        case .deadlineExceeded: "the request took longer than its deadline"
        case .remoteConnectionClosed: "the server closed the connection"
        case .getConnectionFromPoolTimeout: "timed out waiting for a connection"
        case .tlsHandshakeTimeout: "TLS handshake timeout"
        case .cancelled: "cancelled"
        default: Redaction.scrub(String(describing: error))
        }
    }
}
