/// An Edit: Amazon's container for the next version of an app, open (`IN_PROGRESS`) until it is
/// committed or deleted. One per app at a time.
package struct AmazonEdit: Sendable, Equatable, Decodable {
    package var id: String
    package var status: String?

    /// Writable: not yet submitted. An Edit in any other state (a submitted version) refuses changes.
    package var isInProgress: Bool { status == nil || status == "IN_PROGRESS" }
}

/// An APK in an Edit. Clients read `id`, `name` and `versionCode` at the top level.
package struct AmazonAPK: Sendable, Equatable, Decodable {
    package var id: String
    package var name: String?
    package var versionCode: Int?
}

/// A resource as read by GET, with the ETag a write of it must send back in `If-Match`.
struct AmazonTagged<Value: Sendable>: Sendable {
    var value: Value
    var etag: String
}
