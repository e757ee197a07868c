/// An upload the fake completed: what arrived, for tests to compare with what was sent.
package struct FakeGooglePlayUpload: Sendable, Equatable {
    package var packageName: String
    /// `apk` or `bundle`.
    package var kind: String
    /// `media` or `resumable`.
    package var uploadProtocol: String
    package var contentType: String?
    package var byteCount: Int64
    /// sha256 of the bytes actually received (lowercase hex).
    package var sha256: String
    package var downloadURL: String
}

/// One request to an upload endpoint, as the fake saw and answered it.
package struct FakeGooglePlayRequest: Sendable, Equatable {
    package var method: String
    /// Path only; the query's `upload_id` is summarised by `isSessionRequest`.
    package var path: String
    package var uploadType: String?
    /// A PUT to a resumable session URI.
    package var isSessionRequest: Bool
    package var contentRange: String?
    /// Body bytes read from this request.
    package var bodyBytes: Int64
    package var status: Int
}
