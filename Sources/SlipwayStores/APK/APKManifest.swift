import Foundation
import ZIPFoundation

/// What an APK says about itself in its `AndroidManifest.xml`: the package name (the app's
/// identity in every store) and, when present, its version.
///
/// Stores that require metadata to match the file (Ignite's `store_metadata.package_name`) read it
/// here instead of trusting configuration, so a wrong flavour is caught before any upload.
package struct APKManifest: Sendable, Equatable {
    package var packageName: String
    /// `android:versionCode`; absent in manifests whose version lives only in the build files.
    package var versionCode: Int64?
    package var versionName: String?

    package init(packageName: String, versionCode: Int64? = nil, versionName: String? = nil) {
        self.packageName = packageName
        self.versionCode = versionCode
        self.versionName = versionName
    }

    /// Manifests are a few KiB; anything far larger is not one, and is not read into memory.
    package static let maxManifestBytes: Int64 = 8 * 1024 * 1024

    /// Reads the manifest of the APK at `path`: opens the zip, inflates `AndroidManifest.xml` only
    /// (never the rest of the file) and decodes its binary XML.
    ///
    /// Synchronous file reads of a few KiB; callers on the cooperative pool accept that.
    /// - Throws: `APKManifestError` saying what the file is instead (not a zip, an app bundle, no
    ///   manifest, a manifest that is not compiled binary XML).
    package static func read(apkAt path: String) throws(APKManifestError) -> APKManifest {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read, pathEncoding: nil)
        } catch {
            if !FileManager.default.isReadableFile(atPath: path) {
                throw .unreadable(reason: "the file does not exist or cannot be read")
            }
            throw .notAZip
        }
        guard let entry = archive["AndroidManifest.xml"] else {
            if archive["base/manifest/AndroidManifest.xml"] != nil { throw .appBundle }
            throw .noManifest
        }
        guard entry.type == .file else { throw .noManifest }
        guard Int64(entry.uncompressedSize) <= maxManifestBytes else {
            throw .manifestTooLarge(bytes: Int64(entry.uncompressedSize))
        }
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                data.append(chunk)
                if Int64(data.count) > maxManifestBytes { throw APKManifestError.manifestTooLarge(bytes: Int64(data.count)) }
            }
        } catch let error as APKManifestError {
            throw error
        } catch {
            throw .unreadable(reason: "AndroidManifest.xml cannot be inflated (\(error)); the APK is damaged")
        }
        return try AndroidBinaryXML.manifest(from: data)
    }
}
