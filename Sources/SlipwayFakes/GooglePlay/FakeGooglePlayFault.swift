/// A scripted misbehaviour for the next upload request (media POST, session start, chunk PUT or
/// status query), taken from the fake's queue one per request.
package enum FakeGooglePlayFault: Sendable, Equatable {
    /// No fault: handle this request normally (to aim a later fault at, say, the second chunk).
    case pass
    /// Answer with this status and a Google JSON error body (`reason` defaults per status, e.g.
    /// 409 → `concurrentUpdate`, 403 → `forbidden`, 5xx → `backendError`). The body is drained first.
    case status(Int, reason: String? = nil, message: String? = nil, retryAfterSeconds: Int? = nil)
    /// Wait this long, then handle the request normally.
    case delay(Duration)
    /// Store the chunk (or read the media body), then answer this status anyway, as Google's
    /// intermittent `500 backendError` mid-upload does.
    case failAfterStoringChunk(status: Int = 500)
    /// Complete normally, but report the sha256 of different bytes in the artifact JSON.
    case wrongSHA256
    /// The resumable session is gone: drop it and answer `410 Gone` (for a session PUT).
    case sessionExpired
    /// Read the request, then cut the connection before any answer completes (a reset by a load
    /// balancer or a dying backend): the client sees the connection close mid-response.
    case resetConnection
}

/// A scripted misbehaviour of the token endpoint for its next request.
package enum FakeGoogleTokenFault: Sendable, Equatable {
    /// Answer this status with an OAuth error body (`{"error":…,"error_description":…}`).
    case status(Int, error: String = "internal_failure", description: String = "Internal error")
}
