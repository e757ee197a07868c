import Foundation
import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

@Suite("Digital Turbine Ignite")
struct IgniteAppManagementTests {
    @Test func deliverUploadsTheAPKWithItsOwnPackageAndSizeAndWaits() async throws {
        try await IgniteHarness.run { h in
            let (artifact, apk) = try await h.apk()
            let result = try await h.uploader().deliver(artifact, for: h.event, logger: h.logger)

            #expect(result.state == .waiting)
            #expect(result.summary == "uploaded; DT is processing the APK")
            let uploads = await h.dt.uploads
            let upload = try #require(uploads.first)
            #expect(uploads.count == 1)
            #expect(upload.problems.isEmpty)
            #expect(result.resumeData == ["apkId": try #require(upload.apkID)])
            #expect(upload.storeMetadata["package_name"] == IgniteHarness.packageName)
            #expect(upload.storeMetadata["size"] == String(apk.size))
            #expect(upload.storeMetadata["permissions.access_network_state.description.en"] == "Checks whether the device is online")
            #expect(upload.byteCount == apk.size)
            #expect(upload.sha256 == apk.sha256)
            #expect(upload.declaredContentLength != nil)
            #expect(upload.segmentIDs == [IgniteHarness.segment])
            #expect(upload.sendToSamsung == true)
            #expect(upload.fallbackURL == "https://downloads.acme.com/main/0123abc/app-2.1.0.apk")
            let details = Dictionary(uniqueKeysWithValues: result.details.map { ($0.label, $0.value) })
            #expect(details["Upload status"] == "SCHEDULED")
            #expect(details["Samsung approval"] == "SCHEDULED")
            #expect(details["Manual approval"] == "PENDING")
            #expect(details["Version"] == "2.1.0 (42)")
        }
    }

    @Test(arguments: IgniteSettings.UploadEncoding.allCases)
    func everyUploadEncodingCarriesTheSameFields(encoding: IgniteSettings.UploadEncoding) async throws {
        try await IgniteHarness.run { h in
            let (artifact, apk) = try await h.apk(fillerBytes: 100_001)
            let result = try await h.uploader(h.settings(encoding: encoding)).deliver(artifact, for: h.event, logger: h.logger)
            #expect(result.state == .waiting)
            let upload = try #require(await h.dt.uploads.first)
            #expect(upload.problems.isEmpty)
            #expect(upload.encoding == (encoding == .jsonBase64 ? "json" : "multipart"))
            #expect(upload.sha256 == apk.sha256)
            #expect(upload.storeMetadata["package_name"] == IgniteHarness.packageName)
            #expect(upload.storeMetadata["permissions.access_network_state.category"] == "network")
            #expect(upload.segmentIDs == [IgniteHarness.segment])
        }
    }

    @Test func theTokenIsReusedAcrossUploadsAndFetchedAgainWhenItsHourIsUp() async throws {
        try await IgniteHarness.run { h in
            let uploader = h.uploader()
            let (artifact, _) = try await h.apk()
            _ = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            _ = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            #expect(await h.dt.tokensIssued == 1)

            h.clock.advance(by: 3600)
            _ = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            #expect(await h.dt.tokensIssued == 2)
            let bearers = await h.dt.requests(to: .upload).compactMap(\.bearer)
            #expect(bearers.count == 3 && bearers[0] == bearers[1] && bearers[1] != bearers[2])
        }
    }

    @Test func concurrentUploadsShareOneTokenRequest() async throws {
        try await IgniteHarness.run { h in
            let uploader = h.uploader()
            let (artifact, _) = try await h.apk(fillerBytes: 10_000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { _ = try await uploader.deliver(artifact, for: h.event, logger: h.logger) }
                }
                try await group.waitForAll()
            }
            #expect(await h.dt.tokensIssued == 1)
            #expect(await h.dt.uploads.count == 4)
        }
    }

    @Test func aTokenDTNoLongerAcceptsIsReplacedOnce() async throws {
        try await IgniteHarness.run { h in
            let uploader = h.uploader()
            let (artifact, _) = try await h.apk()
            _ = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            await h.dt.expireIssuedTokens()
            let result = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            #expect(result.state == .waiting)
            #expect(await h.dt.tokensIssued == 2)
            #expect(await h.dt.requests(to: .upload).map(\.status) == [200, 401, 200])
        }
    }

    @Test func anAPKOfAnotherPackageFailsBeforeAnythingIsSent() async throws {
        try await IgniteHarness.run { h in
            let (artifact, _) = try await h.apk(packageName: "com.acme.other")
            let error = try #require(await h.failure(artifact, with: h.uploader()))
            #expect(error.failure.step == "check package name")
            #expect(error.failure.message.contains("com.acme.other"))
            #expect(error.failure.message.contains(IgniteHarness.packageName))
            #expect(error.failure.hint != nil)
            #expect(!error.isRetryable)
            #expect(await h.dt.requests.isEmpty)
        }
    }

    @Test func aFileThatIsNotAnAPKFailsWithWhatItIs() async throws {
        try await IgniteHarness.run { h in
            let url = h.directory.appendingPathComponent("app-release.apk")
            try Data(repeating: 0x41, count: 2048).write(to: url)
            let artifact = Artifact(path: url.path, name: "app-release.apk", kind: .apk, size: 2048, sha256: "")
            let error = try #require(await h.failure(artifact, with: h.uploader()))
            #expect(error.failure.step == "read the APK's manifest")
            #expect(error.failure.message.contains("not a zip archive"))
            #expect(await h.dt.requests.isEmpty)
        }
    }

    @Test func pollFollowsProcessingSamsungAndManualApprovalToSuccess() async throws {
        try await IgniteHarness.run { h in
            let uploader = h.uploader()
            let (artifact, _) = try await h.apk()
            var result = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            var summaries = [result.summary]
            while result.state == .waiting && summaries.count < 10 {
                result = try await uploader.poll(result, for: h.event, logger: h.logger)
                summaries.append(result.summary)
            }
            #expect(summaries == [
                "uploaded; DT is processing the APK",
                "uploaded; waiting for Samsung verification and DT manual approval",
                "uploaded; waiting for DT manual approval",
                "approved; available for distribution via Ignite",
            ])
            #expect(result.state == .succeeded)
            let details = Dictionary(uniqueKeysWithValues: result.details.map { ($0.label, $0.value) })
            #expect(details["Upload status"] == "COMPLETED")
            #expect(details["Samsung approval"] == "COMPLETED")
            #expect(details["Manual approval"] == "APPROVED")
            #expect(details["Package"] == IgniteHarness.packageName)
            #expect(result.resumeData["apkId"] == (await h.dt.uploads.first?.apkID))
        }
    }

    @Test func withoutSamsungOnlyManualApprovalIsAwaited() async throws {
        try await IgniteHarness.run { h in
            let uploader = h.uploader(h.settings(sendToSamsung: false))
            let (artifact, _) = try await h.apk()
            let first = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            let second = try await uploader.poll(first, for: h.event, logger: h.logger)
            #expect(second.summary == "uploaded; waiting for DT manual approval")
            #expect(await h.dt.uploads.first?.sendToSamsung == false)
        }
    }

    @Test func aSamsungRejectionFailsWithDTsReason() async throws {
        try await IgniteHarness.run { h in
            await h.dt.scriptNextUpload([
                .init(upload: "COMPLETED", samsung: "SCHEDULED", manual: "PENDING"),
                .init(upload: "COMPLETED", samsung: "ERROR", manual: "PENDING", extra: ["samsung_comment": "App icon is missing"]),
            ])
            let uploader = h.uploader()
            let (artifact, _) = try await h.apk()
            let waiting = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            #expect(waiting.summary == "uploaded; waiting for Samsung verification and DT manual approval")
            let result = try await uploader.poll(waiting, for: h.event, logger: h.logger)
            #expect(result.state == .failed)
            let failure = try #require(result.failure)
            #expect(failure.step == "Samsung verification")
            #expect(failure.message.contains("samsung_comment: App icon is missing"))
            #expect(failure.message.contains("ERROR"))
            #expect(failure.hint?.contains("DT representative") == true)
            #expect(result.details.contains { $0.label == "Samsung approval" && $0.value == "ERROR" })
        }
    }

    @Test func aRefusedUploadFailsFastWithDTsMessage() async throws {
        try await IgniteHarness.run { h in
            await h.dt.enqueue(.status(400, message: "store_metadata.category is not a known category"), at: .upload)
            let (artifact, _) = try await h.apk()
            let error = try #require(await h.failure(artifact, with: h.uploader()))
            #expect(error.failure.step == "upload APK")
            #expect(error.failure.httpStatus == 400)
            #expect(error.failure.message.contains("store_metadata.category is not a known category"))
            #expect(error.failure.hint?.contains("upload_encoding") == true)
            #expect(!error.isRetryable)
            #expect(await h.dt.requests(to: .upload).count == 1)
        }
    }

    @Test func serverErrorsAndRateLimitsAreRetried() async throws {
        try await IgniteHarness.run { h in
            await h.dt.enqueue(.status(503), .status(429, retryAfterSeconds: 0), at: .upload)
            await h.dt.enqueue(.status(502), at: .status)
            let uploader = h.uploader()
            let (artifact, _) = try await h.apk()
            let result = try await uploader.deliver(artifact, for: h.event, logger: h.logger)
            #expect(result.state == .waiting)
            #expect(await h.dt.requests(to: .upload).map(\.status) == [503, 429, 200])
            let polled = try await uploader.poll(result, for: h.event, logger: h.logger)
            #expect(polled.state == .waiting)
            #expect(await h.dt.requests(to: .status).map(\.status) == [502, 200])
        }
    }

    @Test func whenRetriesRunOutTheErrorIsRetryable() async throws {
        try await IgniteHarness.run { h in
            await h.dt.enqueue(.status(500), .status(500), .status(500), .status(500), at: .upload)
            let (artifact, _) = try await h.apk()
            let error = try #require(await h.failure(artifact, with: h.uploader()))
            #expect(error.isRetryable)
            #expect(error.failure.httpStatus == 500)
        }
    }

    @Test func refusedCredentialsNameTheStepAndNeverTheSecret() async throws {
        try await IgniteHarness.run { h in
            let uploader = IgniteAppManagement(
                definition: StoreDefinition(name: "ignite", line: 1, settings: .ignite(h.settings())),
                settings: h.settings(), clientSecret: Secret("wrong-secret-0123456789"), httpClient: h.httpClient,
                retryPolicy: IgniteHarness.fastRetries)
            let (artifact, _) = try await h.apk()
            let error = try #require(await h.failure(artifact, with: uploader))
            #expect(error.failure.step == "get access token")
            #expect(error.failure.httpStatus == 401)
            #expect(error.failure.message.contains("invalid_client"))
            #expect(!"\(error)".contains("wrong-secret-0123456789"))
            #expect(await h.dt.requests(to: .upload).isEmpty)
        }
    }

    @Test func aSecondRefusedTokenFailsWithoutLeakingIt() async throws {
        try await IgniteHarness.run { h in
            await h.dt.enqueue(.status(401), .status(401), at: .upload)
            let (artifact, _) = try await h.apk()
            let error = try #require(await h.failure(artifact, with: h.uploader()))
            #expect(error.failure.httpStatus == 401)
            #expect(!error.isRetryable)
            #expect(await h.dt.tokensIssued == 2)
        }
    }

    @Test func pollOfAnUnknownAPKFailsFast() async throws {
        try await IgniteHarness.run { h in
            let previous = StoreResult(
                store: "ignite", storeType: .ignite, state: .waiting, summary: "uploaded",
                resumeData: ["apkId": "00000000-0000-0000-0000-000000000000"])
            do throws(StoreError) {
                _ = try await h.uploader().poll(previous, for: h.event, logger: h.logger)
                Issue.record("expected the poll to fail")
            } catch {
                #expect(error.failure.httpStatus == 404)
                #expect(error.failure.step == "check APK status")
                #expect(!error.isRetryable)
                await h.expectNoSecrets(in: "\(error)")
            }
        }
    }

    @Test func theFactoryBuildsAPollingUploader() async throws {
        try await IgniteHarness.run { h in
            let definition = StoreDefinition(name: "ignite", line: 1, settings: .ignite(h.settings()))
            let uploader = try StoreUploaders.make(
                definition, environment: ["DT_SECRET": IgniteHarness.clientSecret], baseDirectory: nil,
                httpClient: h.httpClient, logger: h.logger)
            #expect(uploader is any PollingStoreUploader)
            #expect(throws: StoreConfigurationError.self) {
                try StoreUploaders.make(definition, environment: [:], baseDirectory: nil, httpClient: h.httpClient, logger: h.logger)
            }
        }
    }
}
