/// The fake's endpoints, for faults and inspection.
package enum FakeIgniteEndpoint: String, Sendable, Hashable {
    case token, upload, status
}

/// A scripted misbehaviour for the next request to an endpoint, taken one per request.
package enum FakeIgniteFault: Sendable, Equatable {
    /// Handle this request normally (to aim a later fault at, say, the second request).
    case pass
    /// Answer this status with a JSON:API error body (OAuth body on the token endpoint); the
    /// request body is drained first.
    case status(Int, message: String? = nil, retryAfterSeconds: Int? = nil)
}

/// One step of an APK's statuses, as DT reports them.
package struct FakeIgniteStatuses: Sendable, Equatable {
    package var upload: String
    package var samsung: String
    package var manual: String
    /// Extra (undocumented) attributes, e.g. a rejection reason.
    package var extra: [String: String]

    package init(upload: String, samsung: String, manual: String, extra: [String: String] = [:]) {
        self.upload = upload
        self.samsung = samsung
        self.manual = manual
        self.extra = extra
    }
}

/// An upload the fake accepted (or refused, with `problems`).
package struct FakeIgniteUpload: Sendable, Equatable {
    package var apkID: String?
    /// `multipart` or `json`.
    package var encoding: String
    package var fileName: String?
    package var byteCount: Int64
    /// Lowercase hex sha256 of the file as received.
    package var sha256: String
    package var declaredContentLength: Int64?
    package var fallbackURL: String?
    package var segmentIDs: [String]
    package var sendToSamsung: Bool?
    /// `store_metadata` flattened with dotted keys: `package_name`, `size`,
    /// `permissions.access_network_state.description.en`.
    package var storeMetadata: [String: String]
    /// Why the fake refused it; empty when accepted.
    package var problems: [String]
}

/// One request, in order of arrival.
package struct FakeIgniteRequest: Sendable, Equatable {
    package var endpoint: FakeIgniteEndpoint
    package var method: String
    package var path: String
    package var status: Int
    /// The bearer token sent (API calls), for tests that check which token was used.
    package var bearer: String?
}
