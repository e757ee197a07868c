/// What Play answers for an internal-app-sharing upload: the install link, the fingerprint of the
/// certificate Play signed with, and the sha256 of the file it received (lowercase hex).
package struct InternalAppSharingArtifact: Decodable, Sendable, Equatable {
    package var downloadUrl: String
    package var certificateFingerprint: String?
    package var sha256: String?
}
