/// A build's metadata as step 2 received it.
package struct FakeProductScienceBuild: Sendable, Equatable {
    package var id: Int
    package var contextID: Int
    /// `contextId` arrived as a JSON string (`"28"`) rather than a number.
    package var contextIDWasText: Bool
    package var buildType: String
    package var buildFileName: String
    package var name: String?
    package var description: String?
    package var sourceControlId: String?
    package var sourceControlIsoTimestamp: String?
    /// `UPLOADING` until the file lands, then `FINISHED`.
    package var uploadState: String
}

/// A file the signed-URL endpoint stored.
package struct FakeProductScienceUpload: Sendable, Equatable {
    package var buildID: Int
    package var method: String
    /// Every request header, names lowercased.
    package var headers: [String: String]
    package var byteCount: Int64
    /// sha256 of the bytes received (lowercase hex).
    package var sha256: String
}

/// The fake's routes, for aiming faults and reading the order of calls.
package enum FakeProductScienceEndpoint: String, Sendable, Equatable, Hashable {
    case context, builds, storage
}

/// One request as the fake saw and answered it.
package struct FakeProductScienceRequest: Sendable, Equatable {
    package var endpoint: FakeProductScienceEndpoint
    package var method: String
    package var path: String
    package var status: Int
    /// Body bytes read (0 for refusals answered before the body was read).
    package var bodyBytes: Int64
}

/// A scripted misbehaviour for the next request to one endpoint.
package enum FakeProductScienceFault: Sendable, Equatable {
    case pass
    /// Answer this status with a JSON `{"message":…}` (API) or a GCS XML error (storage); the body
    /// is drained first.
    case status(Int, message: String? = nil)
    /// Storage only: store the file, then drop the connection instead of answering (the lost answer
    /// after which the client cannot know the object is there).
    case acceptThenDrop
}
