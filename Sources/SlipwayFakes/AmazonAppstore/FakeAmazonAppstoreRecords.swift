/// One request to the fake, as it saw and answered it.
package struct FakeAmazonRequest: Sendable, Equatable {
    package var operation: FakeAmazonOperation
    package var method: String
    package var path: String
    /// The `If-Match` header as sent.
    package var ifMatch: String?
    package var contentType: String?
    /// The `fileName` header of uploads.
    package var fileName: String?
    /// Body bytes read (streamed, never kept).
    package var bodyBytes: Int64
    package var status: Int
}

/// An APK in an Edit or in the live version.
package struct FakeAmazonAPK: Sendable, Equatable {
    package var id: String
    package var name: String
    package var versionCode: Int
    /// Device targeting; replaceApk keeps it, a fresh upload starts with `["default"]`.
    package var targeting: [String]
    /// Size and sha256 of the bytes received (nil for seeded APKs).
    package var byteCount: Int64?
    package var sha256: String?
    /// `upload`, `replace`, `large` or `seed`.
    package var via: String

    package init(
        id: String, name: String, versionCode: Int, targeting: [String] = ["default"], byteCount: Int64? = nil,
        sha256: String? = nil, via: String = "seed"
    ) {
        self.id = id
        self.name = name
        self.versionCode = versionCode
        self.targeting = targeting
        self.byteCount = byteCount
        self.sha256 = sha256
        self.via = via
    }
}

/// An Edit as tests inspect it.
package struct FakeAmazonEdit: Sendable, Equatable {
    package var id: String
    /// `IN_PROGRESS`, or `REVIEW` once committed.
    package var status: String
    package var apks: [FakeAmazonAPK]
    /// Text fields of each language's listing (`recentChanges`, `title`, …).
    package var listings: [String: [String: String]]
    /// Image ids per `language/imageType`.
    package var images: [String: [String]]
    /// `publishingDate` as set by putAvailability.
    package var releaseDateTime: String?
    package var releaseZoneID: String?
}
