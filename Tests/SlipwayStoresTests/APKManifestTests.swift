import Foundation
import SlipwayFakes
import SlipwayStores
import Testing

@Suite("APK manifest reader")
struct APKManifestTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-apk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func write(_ manifest: FakeAPK.Manifest) throws -> String {
        try FakeAPK.write(to: directory.appendingPathComponent("\(UUID().uuidString).apk"), manifest: manifest, fillerBytes: 1024).path
    }

    func readingError(_ path: String) -> APKManifestError? {
        do {
            let manifest = try APKManifest.read(apkAt: path)
            Issue.record("expected an error, read \(manifest)")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [true, false])
    func readsPackageAndVersionFromBinaryManifest(utf8: Bool) throws {
        let path = try write(.binary(packageName: "com.acme.notes", versionCode: 1_234_567, versionName: "3.2.1-beta", utf8: utf8))
        let manifest = try APKManifest.read(apkAt: path)
        #expect(manifest == APKManifest(packageName: "com.acme.notes", versionCode: 1_234_567, versionName: "3.2.1-beta"))
    }

    @Test(arguments: [true, false])
    func readsLongAndNonASCIIStrings(utf8: Bool) throws {
        let longName = "release-" + String(repeating: "é", count: 150) + "-Ωmega"
        let path = try write(.binary(packageName: "com.acme.long_name.app2", versionCode: 7, versionName: longName, utf8: utf8))
        let manifest = try APKManifest.read(apkAt: path)
        #expect(manifest.packageName == "com.acme.long_name.app2")
        #expect(manifest.versionName == longName)
    }

    @Test func versionIsOptional() throws {
        let path = try write(.binary(packageName: "com.acme.min", versionCode: nil, versionName: nil))
        #expect(try APKManifest.read(apkAt: path) == APKManifest(packageName: "com.acme.min"))
    }

    @Test func aFileThatIsNotAZipIsNotAnAPK() throws {
        let url = directory.appendingPathComponent("garbage.apk")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: url)
        let error = try #require(readingError(url.path))
        #expect(error == .notAZip)
        #expect(error.description.contains("not an APK"))
    }

    @Test func aZipWithoutManifestIsNotAnAPK() throws {
        let error = try #require(readingError(try write(.none)))
        #expect(error == .noManifest)
        #expect(error.description.contains("no AndroidManifest.xml"))
    }

    @Test func aPlainTextManifestIsRefused() throws {
        let xml = Data(#"<?xml version="1.0"?><manifest package="com.acme"/>"#.utf8)
        let error = try #require(readingError(try write(.raw(xml))))
        #expect(error == .notBinaryXML("it is plain-text XML"))
    }

    @Test func garbageManifestBytesAreRefused() throws {
        let error = try #require(readingError(try write(.raw(Data([0x42, 0x00, 0x08, 0x00] + Array(repeating: 0x11, count: 60))))))
        guard case .notBinaryXML = error else {
            Issue.record("expected notBinaryXML, got \(error)")
            return
        }
    }

    @Test func everyTruncationOfAManifestFailsCleanly() throws {
        let full = FakeAndroidManifest.binaryXML(packageName: "com.acme.cut", versionCode: 3, versionName: "1.0")
        for length in stride(from: 0, to: full.count - 1, by: 7) {
            #expect(throws: APKManifestError.self) { try AndroidBinaryXML.manifest(from: full.prefix(length)) }
        }
        #expect(try AndroidBinaryXML.manifest(from: full).packageName == "com.acme.cut")
    }
}
