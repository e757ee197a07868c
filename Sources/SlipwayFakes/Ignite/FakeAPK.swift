import Crypto
package import Foundation
import ZIPFoundation

/// A real, minimal APK on disk for tests: a zip with a binary `AndroidManifest.xml`
/// (`FakeAndroidManifest`), a `classes.dex` of random filler (stored, so the file's size is
/// what the test asks for) and a `META-INF/MANIFEST.MF`. Not signed: nothing in the tests installs it.
package struct FakeAPK: Sendable, Equatable {
    package var path: String
    package var packageName: String?
    package var size: Int64
    /// Lowercase hex sha256 of the whole file.
    package var sha256: String

    /// What goes at `AndroidManifest.xml`.
    package enum Manifest: Sendable {
        /// A binary manifest for this package.
        case binary(packageName: String, versionCode: UInt32? = 1, versionName: String? = "1.0", utf8: Bool = true)
        /// These bytes as they are (plain-text XML, garbage).
        case raw(Data)
        /// No manifest at all.
        case none
    }

    /// Writes the APK to `url` (replacing any file there) with about `fillerBytes` of filler.
    package static func write(to url: URL, manifest: Manifest, fillerBytes: Int = 64 * 1024) throws -> FakeAPK {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create, pathEncoding: nil)
        var packageName: String?
        switch manifest {
        case .binary(let name, let versionCode, let versionName, let utf8):
            packageName = name
            let xml = FakeAndroidManifest.binaryXML(
                packageName: name, versionCode: versionCode, versionName: versionName, utf8: utf8)
            try add(xml, as: "AndroidManifest.xml", to: archive, compression: .deflate)
        case .raw(let data):
            try add(data, as: "AndroidManifest.xml", to: archive, compression: .deflate)
        case .none:
            break
        }
        var generator = SystemRandomNumberGenerator()
        let filler = Data((0..<fillerBytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try add(filler, as: "classes.dex", to: archive, compression: .none)
        try add(Data("Manifest-Version: 1.0\r\nCreated-By: Slipway tests\r\n".utf8), as: "META-INF/MANIFEST.MF", to: archive, compression: .deflate)
        return try describe(url, packageName: packageName)
    }

    /// Any file (not an APK) described the same way, for tests of what is not an APK.
    package static func describe(_ url: URL, packageName: String? = nil) throws -> FakeAPK {
        let data = try Data(contentsOf: url)
        let sha = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return FakeAPK(path: url.path, packageName: packageName, size: Int64(data.count), sha256: sha)
    }

    private static func add(_ data: Data, as path: String, to archive: Archive, compression: CompressionMethod) throws {
        try archive.addEntry(
            with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: compression,
            provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
    }
}
