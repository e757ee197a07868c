import Foundation
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

/// Issue 13 §2 for Amazon: an APK an earlier attempt put into the still-open Edit (a kill, a lost
/// answer) is found by its version code and kept, not added a second time.
@Suite struct AmazonEarlierUploadTests {
    typealias Harness = AmazonAppstoreHarness

    /// A real APK (binary manifest) with this version code, as the download left it.
    func apk(_ harness: Harness, versionCode: UInt32) throws -> Artifact {
        let url = harness.directory.appendingPathComponent("\(UUID().uuidString)-app-release.apk")
        let written = try FakeAPK.write(
            to: url, manifest: .binary(packageName: "com.acme.app", versionCode: versionCode), fillerBytes: 8_000)
        return Artifact(path: written.path, name: "outputs/app-release.apk", kind: .apk, size: written.size, sha256: written.sha256)
    }

    func uploader(_ harness: Harness, _ mode: AmazonAppstoreSettings.APKMode = .add) throws -> any StoreUploader {
        var settings = harness.settings(apkMode: mode, validate: false)
        settings.commit = false  // the Edit stays open between deliveries, as with a console-managed release
        return try harness.uploader(settings)
    }

    @Test func theFakeListsTheVersionCodeTheUploadedAPKDeclares() async throws {
        try await Harness.run { harness in
            _ = try await harness.deliver(try apk(harness, versionCode: 4711), with: try uploader(harness))
            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.apks.map(\.versionCode) == [Harness.liveAPK.versionCode, 4711])
        }
    }

    @Test func aJobRunningAgainAfterAmazonTookTheAPKKeepsItInsteadOfAddingItTwice() async throws {
        try await Harness.run { harness in
            let artifact = try apk(harness, versionCode: 120)
            _ = try await harness.deliver(artifact, with: try uploader(harness))  // killed before it was recorded
            let again = try await harness.deliver(artifact, with: try uploader(harness))

            #expect(again.state == .succeeded)
            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.apks.filter { $0.sha256 == artifact.sha256 }.count == 1)
            #expect(await harness.amazon.requests(.uploadAPK).count == 1)
            let action = try #require(again.detail("APK"))
            #expect(action.contains("kept") && action.contains("version code 120"), "\(action)")
        }
    }

    @Test func aLostAnswerInAnEditThatWasAlreadyOpenIsFollowedByALookNotASecondAPK() async throws {
        try await Harness.run { harness in
            _ = try await harness.deliver(try apk(harness, versionCode: 200), with: try uploader(harness))
            let artifact = try apk(harness, versionCode: 201)
            await harness.amazon.enqueue(.acceptThenDrop, on: .uploadAPK)
            let error = try #require(await harness.failure(artifact, with: try uploader(harness)))
            #expect(error.isRetryable)
            #expect(error.failure.hint?.contains("already open") == true, "an edit Slipway did not create is left alone")

            let again = try await harness.deliver(artifact, with: try uploader(harness))
            #expect(again.state == .succeeded)
            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.apks.compactMap(\.versionCode).sorted() == [Harness.liveAPK.versionCode, 200, 201].sorted())
            #expect(await harness.amazon.requests(.uploadAPK).count == 2)
        }
    }

    @Test func anotherVersionCodeIsAddedAndDeleteThenUploadKeepsItsOwnUploadToo() async throws {
        try await Harness.run { harness in
            _ = try await harness.deliver(try apk(harness, versionCode: 300), with: try uploader(harness))
            _ = try await harness.deliver(try apk(harness, versionCode: 301), with: try uploader(harness))
            #expect(try #require(await harness.amazon.edit(of: Harness.appID)).apks.count == 3)

            let artifact = try apk(harness, versionCode: 302)
            _ = try await harness.deliver(artifact, with: try uploader(harness, .deleteThenUpload))
            let deletes = await harness.amazon.requests(.deleteAPK).count
            let again = try await harness.deliver(artifact, with: try uploader(harness, .deleteThenUpload))
            #expect(again.detail("APK")?.contains("kept") == true)
            #expect(await harness.amazon.requests(.deleteAPK).count == deletes, "its own APK is not deleted and re-sent")
        }
    }

    @Test func aFileWhoseVersionCodeCannotBeReadIsUploadedAsBefore() async throws {
        try await Harness.run { harness in
            _ = try await harness.deliver(try apk(harness, versionCode: 400), with: try uploader(harness))
            let notAnAPK = try harness.artifact(size: 5_000)
            let result = try await harness.deliver(notAnAPK, with: try uploader(harness))
            #expect(result.state == .succeeded)
            #expect(result.detail("APK")?.hasPrefix("added") == true)
        }
    }
}
