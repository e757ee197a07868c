/// A build upload the fake received: the text fields and what arrived in the `build` part.
package struct FakeAppliveryUpload: Sendable, Equatable {
    package var buildID: String
    /// Text parts by name (`versionName`, `changelog`, `tags`, `filter`, `deployer.info.commit`, …).
    package var fields: [String: String]
    package var fileName: String
    package var byteCount: Int64
    /// sha256 of the file part's bytes (lowercase hex).
    package var sha256: String
    /// The request's `Content-Length`, and the body bytes that actually arrived.
    package var declaredContentLength: Int64?
    package var bodyBytes: Int64
}

/// One request as the fake saw and answered it.
package struct FakeAppliveryRequest: Sendable, Equatable {
    package var endpoint: FakeAppliveryEndpoint
    package var method: String
    /// Path only, without the query.
    package var path: String
    /// The `type` query parameter of a download-token request.
    package var type: String?
    package var status: Int
    /// The Applivery error code answered, if any.
    package var errorCode: Int?
}

/// The fake's routes, for aiming faults and reading requests.
package enum FakeAppliveryEndpoint: String, Sendable, Equatable, Hashable {
    case upload, buildDetails, downloadToken, download, file, listBuilds
}

/// A scripted misbehaviour for the next request to one endpoint.
package enum FakeAppliveryFault: Sendable, Equatable {
    /// Handle normally.
    case pass
    /// Answer this status; with `code`, an Applivery error body, else a plain-text one (what a
    /// proxy in front of the API sends for 502/503). The request body is drained first.
    case status(Int, code: Int? = nil, message: String? = nil)
    /// Take the upload (the build exists from then on), then drop the connection instead of
    /// answering: the lost response after which a blind retry would upload a second build.
    case acceptThenDrop
    /// Leave the request body unread until `releaseStalledUploads()`, then handle normally: a store
    /// that takes its bytes slowly.
    case stall
}
