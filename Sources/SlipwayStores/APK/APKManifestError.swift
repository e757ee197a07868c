/// Why an APK's manifest could not be read. Each case says what the file is instead, so a user can
/// tell a wrong artifact (an app bundle, a zip of outputs) from a damaged one.
package enum APKManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(reason: String)
    /// Not a zip archive at all: an APK always is one.
    case notAZip
    /// A zip with `base/manifest/AndroidManifest.xml`: an Android App Bundle.
    case appBundle
    /// A zip without `AndroidManifest.xml` at its root.
    case noManifest
    case manifestTooLarge(bytes: Int64)
    /// `AndroidManifest.xml` is not compiled binary XML (AXML), e.g. plain text.
    case notBinaryXML(String)
    /// Binary XML that breaks its own structure at some offset.
    case malformed(String)
    /// A `<manifest>` without a `package` attribute.
    case noPackage

    package var description: String {
        switch self {
        case .unreadable(let reason):
            "the APK cannot be read: \(reason)"
        case .notAZip:
            "the file is not an APK: it is not a zip archive"
        case .appBundle:
            "the file is an Android App Bundle (.aab), not an APK; build an APK (assembleRelease) for this store"
        case .noManifest:
            "the file is a zip archive but not an APK: it has no AndroidManifest.xml at its root"
        case .manifestTooLarge(let bytes):
            "the APK's AndroidManifest.xml is \(bytes) bytes, too large to be a manifest; the file is not a normal APK"
        case .notBinaryXML(let reason):
            "the APK's AndroidManifest.xml is not compiled Android binary XML (\(reason)); was the APK built by the Android build tools?"
        case .malformed(let reason):
            "the APK's AndroidManifest.xml is damaged: \(reason)"
        case .noPackage:
            "the APK's AndroidManifest.xml has no package attribute on <manifest>"
        }
    }
}
