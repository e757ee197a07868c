import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

@Suite("Amazon Appstore App Submission against the fake")
struct AmazonAppstoreSubmissionTests {
    typealias Harness = AmazonAppstoreHarness

    @Test func newEditReplacesTheAPKKeepingTargetingThenValidatesAndCommits() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(size: 50_000)
            let result = try await harness.deliver(artifact, with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(result.summary == "submitted for review: version code 100")
            let created = await harness.amazon.editsCreated
            #expect(created.count == 1)
            #expect(result.detail("Edit") == "\(created.first ?? "?") (created)")
            #expect(result.detail("APK version code") == "100")
            #expect(result.detail("Commit state") == "committed (status REVIEW)")
            #expect(result.detail("APK")?.contains("device targeting kept") == true)

            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.status == "REVIEW")
            #expect(edit.apks.count == 1)
            #expect(edit.apks.first?.id == Harness.liveAPK.id)
            #expect(edit.apks.first?.targeting == Harness.liveAPK.targeting)
            #expect(edit.apks.first?.via == "replace")
            #expect(edit.apks.first?.sha256 == artifact.sha256)
            #expect(await harness.amazon.editsCommitted == created)
            #expect(await harness.amazon.requests(.validateEdit).map(\.status) == [200])
            #expect(await harness.amazon.requests(.replaceAPK).allSatisfy { $0.ifMatch != nil && $0.fileName == "app-release.apk" })
            #expect(await harness.amazon.requests(.replaceAPK).first?.contentType == "application/vnd.android.package-archive")
            #expect(await harness.amazon.tokensIssued == 1)
        }
    }

    @Test func anOpenEditIsReusedNotCreated() async throws {
        try await Harness.run { harness in
            let open = try #require(await harness.amazon.openEdit(of: Harness.appID))
            let result = try await harness.deliver(try harness.artifact(size: 10_000), with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(result.detail("Edit") == "\(open) (reused the open edit)")
            #expect(await harness.amazon.requests(.createEdit).isEmpty)
            #expect(await harness.amazon.editsCommitted == [open])
        }
    }

    @Test func theFakeRefusesASecondOpenEdit() async throws {
        try await Harness.run { harness in
            var tokenRequest = HTTPClientRequest(url: harness.baseURL + "/auth/o2/token")
            tokenRequest.method = .POST
            tokenRequest.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            tokenRequest.body = .bytes(
                ByteBuffer(
                    string: "grant_type=client_credentials&client_id=\(Harness.clientID)&client_secret=\(Harness.clientSecret)&scope=appstore%3A%3Aapps%3Areadwrite"))
            let tokenResponse = try await harness.httpClient.execute(tokenRequest, timeout: .seconds(10))
            let tokenBody = try await tokenResponse.body.collect(upTo: 10_000)
            let token = try #require(
                (try JSONSerialization.jsonObject(with: Data(tokenBody.readableBytesView)) as? [String: Any])?["access_token"]
                    as? String)
            var statuses: [UInt] = []
            for _ in 0..<2 {
                var create = HTTPClientRequest(url: harness.baseURL + "/v1/applications/\(Harness.appID)/edits")
                create.method = .POST
                create.headers.add(name: "Authorization", value: "Bearer \(token)")
                let response = try await harness.httpClient.execute(create, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 10_000)
                statuses.append(response.status.code)
            }
            #expect(statuses == [200, 409])
        }
    }

    @Test func addModeUploadsANewAPKNextToTheExistingOne() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(size: 20_000, name: "app-firetv.apk")
            let result = try await harness.deliver(artifact, with: try harness.uploader(harness.settings(apkMode: .add)))

            #expect(result.state == .succeeded)
            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.apks.count == 2)
            #expect(edit.apks.first == Harness.liveAPK)
            #expect(edit.apks.last?.via == "upload")
            #expect(edit.apks.last?.name == "app-firetv.apk")
            #expect(edit.apks.last?.sha256 == artifact.sha256)
            #expect(await harness.amazon.requests(.replaceAPK).isEmpty)
        }
    }

    @Test func deleteThenUploadStartsWithFreshTargeting() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(size: 20_000)
            let result = try await harness.deliver(
                artifact, with: try harness.uploader(harness.settings(apkMode: .deleteThenUpload)))

            #expect(result.state == .succeeded)
            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.apks.count == 1)
            #expect(edit.apks.first?.id != Harness.liveAPK.id)
            #expect(edit.apks.first?.targeting == ["default"])
            #expect(await harness.amazon.requests(.deleteAPK).map(\.status) == [204])
            #expect(await harness.amazon.requests(.deleteAPK).first?.ifMatch != nil)
        }
    }

    @Test(arguments: [AmazonAppstoreSettings.LargeUploadEncoding.raw, .multipart])
    func filesAboveTheThresholdGoThroughLargeUploadAndAttach(encoding: AmazonAppstoreSettings.LargeUploadEncoding)
        async throws
    {
        try await Harness.run(largeFileThresholdBytes: 64 * 1024) { harness in
            let artifact = try harness.artifact(size: 3 * 1024 * 1024 + 17)
            let settings = harness.settings(
                apkMode: .add, largeFileThresholdBytes: 64 * 1024, largeUploadEncoding: encoding)
            let result = try await harness.deliver(artifact, with: try harness.uploader(settings))

            #expect(result.state == .succeeded)
            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.apks.last?.via == "large")
            #expect(edit.apks.last?.byteCount == artifact.size)
            #expect(edit.apks.last?.sha256 == artifact.sha256)
            #expect(await harness.amazon.requests(.uploadAPK).isEmpty)
            #expect(await harness.amazon.requests(.attachAPK).map(\.status) == [200])
            let contentType = await harness.amazon.requests(.uploadLargeAPK).first?.contentType ?? ""
            #expect(contentType.hasPrefix(encoding == .raw ? "application/vnd.android.package-archive" : "multipart/form-data"))
        }
    }

    @Test func aPlainUploadAboveTheServersLimitIsRefused() async throws {
        // The client's threshold is set too high: the fake enforces Amazon's limit with a 413.
        try await Harness.run(largeFileThresholdBytes: 64 * 1024) { harness in
            let settings = harness.settings(apkMode: .add, largeFileThresholdBytes: 1024 * 1024)
            let error = try #require(await harness.failure(try harness.artifact(size: 100_000), with: try harness.uploader(settings)))
            #expect(error.failure.httpStatus == 413)
            #expect(error.failure.step == "upload APK")
            #expect(error.failure.hint?.contains("large_file_threshold_bytes") == true)
        }
    }

    @Test func aRealSparseFileOver300MBUsesTheLargeUploadPath() async throws {
        try await Harness.run { harness in
            let size: Int64 = 300 * 1024 * 1024 + 1
            let artifact = try harness.sparseArtifact(size: size)
            let result = try await harness.deliver(artifact, with: try harness.uploader(harness.settings(apkMode: .add)))

            #expect(result.state == .succeeded)
            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.apks.last?.via == "large")
            #expect(edit.apks.last?.byteCount == size)
            #expect(await harness.amazon.requests(.uploadAPK).isEmpty)
        }
    }

    @Test func replaceModeRefusesALargeFileBeforeTouchingTheStore() async throws {
        try await Harness.run { harness in
            let settings = harness.settings(apkMode: .replace, largeFileThresholdBytes: 1024)
            let error = try #require(await harness.failure(try harness.artifact(size: 5000), with: try harness.uploader(settings)))
            #expect(error.failure.step == "choose upload")
            #expect(error.failure.hint?.contains("delete-then-upload") == true)
            #expect(await harness.amazon.requests.isEmpty)
        }
    }

    @Test func aStaleETagIsReadAgainAndRetriedOnce() async throws {
        try await Harness.run { harness in
            await harness.amazon.enqueue(.staleETag, on: .replaceAPK)
            let result = try await harness.deliver(try harness.artifact(size: 10_000), with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(await harness.amazon.requests(.replaceAPK).map(\.status) == [412, 200])
            #expect(await harness.amazon.requests(.getAPK).count == 2)
        }
    }

    @Test func twoStaleETagsInARowFailClearlyWithoutLoopingAndAreRetriedLaterWhileTheEditIsOpen() async throws {
        try await Harness.run { harness in
            await harness.amazon.enqueue(.staleETag, on: .replaceAPK)
            await harness.amazon.enqueue(.staleETag, on: .replaceAPK)
            let error = try #require(await harness.failure(try harness.artifact(size: 10_000), with: try harness.uploader()))

            #expect(error.failure.step == "replace APK")
            #expect(error.failure.httpStatus == 412)
            // Someone else kept writing to the open edit: not review, so the delivery runs again later.
            #expect(error.isRetryable)
            #expect(error.failure.message.contains("another client was changing the edit"))
            #expect(await harness.amazon.requests(.replaceAPK).count == 2)
        }
    }

    @Test func precondition412InReviewIsReportedPlainlyAndTheCreatedEditIsDeleted() async throws {
        try await Harness.run { harness in
            await harness.amazon.enqueue(.enterReview, on: .replaceAPK)
            let error = try #require(await harness.failure(try harness.artifact(size: 10_000), with: try harness.uploader()))

            #expect(error.failure.httpStatus == 412)
            #expect(!error.isRetryable)
            #expect(error.failure.message.contains("in Amazon's review"))
            #expect(error.failure.hint?.contains("App Status") == true)
            #expect(error.failure.hint?.contains("deleted the edit") == true)
            #expect(await harness.amazon.requests(.replaceAPK).count == 2)
            let created = await harness.amazon.editsCreated
            #expect(await harness.amazon.editsDeleted == created)
            #expect(await harness.amazon.edit(of: Harness.appID) == nil)
        }
    }

    @Test func keepEditOnFailureLeavesTheCreatedEdit() async throws {
        try await Harness.run { harness in
            await harness.amazon.enqueue(.enterReview, on: .replaceAPK)
            let error = try #require(
                await harness.failure(
                    try harness.artifact(size: 10_000), with: try harness.uploader(harness.settings(keepEditOnFailure: true))))

            #expect(error.failure.hint?.contains("was kept") == true)
            #expect(await harness.amazon.editsDeleted.isEmpty)
            #expect(await harness.amazon.edit(of: Harness.appID)?.status == "IN_PROGRESS")
        }
    }

    @Test func aFailureNeverDeletesAnEditThatWasAlreadyOpen() async throws {
        try await Harness.run { harness in
            let open = try #require(await harness.amazon.openEdit(of: Harness.appID))
            await harness.amazon.enqueue(.enterReview, on: .replaceAPK)
            let error = try #require(await harness.failure(try harness.artifact(size: 10_000), with: try harness.uploader()))

            #expect(error.failure.hint?.contains("already open") == true)
            #expect(await harness.amazon.editsDeleted.isEmpty)
            #expect(await harness.amazon.edit(of: Harness.appID)?.id == open)
        }
    }

    @Test func aTokenThatExpiresMidFlowIsRefreshedOnce() async throws {
        try await Harness.run { harness in
            await harness.amazon.enqueue(.expireTokens, on: .replaceAPK)
            let result = try await harness.deliver(try harness.artifact(size: 10_000), with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(await harness.amazon.requests(.replaceAPK).map(\.status) == [401, 200])
            #expect(await harness.amazon.tokensIssued == 2)
        }
    }

    @Test func commitValidationErrorsAreShownToTheUser() async throws {
        try await Harness.run { harness in
            await harness.amazon.enqueue(
                .validationErrors(["Release notes are missing for en_US", "A small icon is required"]), on: .commitEdit)
            let error = try #require(
                await harness.failure(try harness.artifact(size: 10_000), with: try harness.uploader(harness.settings(validate: false))))

            #expect(error.failure.step == "commit the edit")
            #expect(error.failure.httpStatus == 403)
            #expect(!error.isRetryable)
            #expect(error.failure.message.contains("2 problems"))
            #expect(error.failure.message.contains("Release notes are missing for en_US"))
            #expect(error.failure.message.contains("A small icon is required"))
            #expect(await harness.amazon.edit(of: Harness.appID) == nil)
        }
    }

    @Test func listingsImagesAndReleaseDateAreWrittenWithETags() async throws {
        try await Harness.run { harness in
            let icon = harness.directory.appendingPathComponent("icon.png")
            try Data(repeating: 7, count: 2048).write(to: icon)
            var settings = harness.settings()
            settings.releaseNotes = "Bug fixes"
            settings.listings = ["de_DE": .init(recentChanges: "Fehlerbehebungen", title: "Beispiel")]
            settings.images = [.init(language: "en_US", imageType: "small-icons", file: "icon.png")]
            settings.availability = .init(dateTime: "2030-07-16T19:20:30.45", zoneID: "Europe_Berlin")
            let result = try await harness.deliver(try harness.artifact(size: 10_000), with: try harness.uploader(settings))

            #expect(result.state == .succeeded)
            #expect(result.detail("Release date") == "2030-07-16T19:20:30.45 Europe_Berlin")
            let edit = try #require(await harness.amazon.edit(of: Harness.appID))
            #expect(edit.listings["en_US"]?["recentChanges"] == "Bug fixes")
            #expect(edit.listings["en_US"]?["title"] == "Example App")
            #expect(edit.listings["de_DE"]?["recentChanges"] == "Fehlerbehebungen")
            #expect(edit.listings["de_DE"]?["title"] == "Beispiel")
            #expect(edit.images["en_US/small-icons"]?.count == 1)
            #expect(edit.releaseDateTime == "2030-07-16T19:20:30.45")
            #expect(edit.releaseZoneID == "Europe_Berlin")
            #expect(await harness.amazon.requests(.updateListing).allSatisfy { $0.status == 200 && $0.ifMatch != nil })
            #expect(await harness.amazon.requests(.uploadImage).first?.contentType == "image/png")
        }
    }

    @Test func wrongCredentialsFailAtTheTokenStepWithAHint() async throws {
        try await Harness.run { harness in
            let environment = ["AMAZON_CLIENT_ID": Harness.clientID, "AMAZON_CLIENT_SECRET": "wrong-secret-value-000"]
            let error = try #require(
                await harness.failure(try harness.artifact(size: 1000), with: try harness.uploader(environment: environment)))
            #expect(error.failure.step == "get access token")
            #expect(error.failure.message.contains("invalid_client"))
            #expect(error.failure.hint?.contains("security profile") == true)
            #expect(!"\(error)".contains("wrong-secret-value-000"))
            #expect(await harness.amazon.editsCreated.isEmpty)
        }
    }

    @Test func aMissingSecretIsReportedWhenTheStoreIsBuilt() async throws {
        try await Harness.run { harness in
            let error = #expect(throws: StoreConfigurationError.self) {
                try harness.uploader(environment: ["AMAZON_CLIENT_ID": Harness.clientID])
            }
            let text = error.map { "\($0)" } ?? ""
            #expect(text.contains("client_secret"))
            #expect(text.contains("${AMAZON_CLIENT_SECRET}"))
        }
    }
}
