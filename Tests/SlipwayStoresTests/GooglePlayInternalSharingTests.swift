import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

@Suite("Google Play internal app sharing against the fake")
struct GooglePlayInternalSharingTests {
    typealias Harness = GooglePlayHarness

    @Test func smallAPKGoesUpInOneMediaRequestAndReturnsTheInstallLink() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(.apk, size: 100_000)
            let result = try await harness.deliver(artifact, with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(result.summary == "uploaded")
            #expect(result.links.first?.title == "Install from Play")
            #expect(result.links.first?.url.hasPrefix("https://play.google.com/apps/test/") == true)
            #expect(result.details.contains { $0.label == "sha256" && $0.value == artifact.sha256 })
            #expect(result.details.contains { $0.label == "Certificate fingerprint" })
            #expect(result.details.contains { $0.label == "Upload protocol" && $0.value.hasPrefix("media") })

            let uploads = await harness.play.uploads
            #expect(uploads.count == 1)
            #expect(uploads.first?.kind == "apk")
            #expect(uploads.first?.uploadProtocol == "media")
            #expect(uploads.first?.contentType == "application/vnd.android.package-archive")
            #expect(uploads.first?.byteCount == 100_000)
            #expect(uploads.first?.sha256 == artifact.sha256)
            #expect(uploads.first?.downloadURL == result.links.first?.url)
        }
    }

    @Test func appBundleUsesUploadbundleWithOctetStream() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(.aab, size: 50_000)
            let result = try await harness.deliver(artifact, with: try harness.uploader())

            #expect(result.state == .succeeded)
            let uploads = await harness.play.uploads
            #expect(uploads.first?.kind == "bundle")
            #expect(uploads.first?.contentType == "application/octet-stream")
            let requests = await harness.play.requests
            #expect(requests.map(\.path) == ["/upload/androidpublisher/v3/applications/internalappsharing/\(Harness.packageName)/artifacts/bundle"])
        }
    }

    @Test func largeFileUsesResumableChunks() async throws {
        try await Harness.run { harness in
            let size = 1024 * 1024 + 1000  // four full 256 KiB chunks and a short last one
            let artifact = try harness.artifact(.aab, size: size)
            let uploader = try harness.uploader(harness.settings(resumableThresholdBytes: 512 * 1024, chunkBytes: 256 * 1024))
            let result = try await harness.deliver(artifact, with: uploader)

            #expect(result.state == .succeeded)
            #expect(result.details.contains { $0.label == "Upload protocol" && $0.value == "resumable (5 chunks)" })
            let uploads = await harness.play.uploads
            #expect(uploads.count == 1)
            #expect(uploads.first?.uploadProtocol == "resumable")
            #expect(uploads.first?.byteCount == Int64(size))
            #expect(uploads.first?.sha256 == artifact.sha256)
            let requests = await harness.play.requests
            #expect(requests.filter { $0.method == "POST" }.count == 1)
            #expect(requests.filter { $0.method == "PUT" }.map(\.status) == [308, 308, 308, 308, 200])
            #expect(await harness.play.uploadBodyBytesReceived == Int64(size))
        }
    }

    @Test func serverErrorMidSessionResumesWithoutResendingAcceptedChunks() async throws {
        try await Harness.run { harness in
            let size = 1024 * 1024 + 1000
            let artifact = try harness.artifact(.aab, size: size)
            // Session start and chunk 1 pass; chunk 2 is stored but answered with a 500.
            await harness.play.enqueue(.pass, .pass, .failAfterStoringChunk(status: 500))
            let uploader = try harness.uploader(harness.settings(resumableThresholdBytes: 512 * 1024, chunkBytes: 256 * 1024))
            let result = try await harness.deliver(artifact, with: uploader)

            #expect(result.state == .succeeded)
            #expect(await harness.play.uploads.first?.sha256 == artifact.sha256)
            // Every byte crossed the wire exactly once: the client asked what was kept instead of resending.
            #expect(await harness.play.uploadBodyBytesReceived == Int64(size))
            let requests = await harness.play.requests
            #expect(requests.contains { $0.contentRange == "bytes */\(size)" && $0.status == 308 })
            #expect(requests.filter { $0.method == "POST" }.count == 1)
        }
    }

    @Test func expiredSessionStartsOneNewSession() async throws {
        try await Harness.run { harness in
            let size = 768 * 1024 + 10
            let artifact = try harness.artifact(.aab, size: size)
            await harness.play.enqueue(.pass, .pass, .sessionExpired)
            let uploader = try harness.uploader(harness.settings(resumableThresholdBytes: 512 * 1024, chunkBytes: 256 * 1024))
            let result = try await harness.deliver(artifact, with: uploader)

            #expect(result.state == .succeeded)
            #expect(await harness.play.uploads.first?.sha256 == artifact.sha256)
            #expect(await harness.play.requests.filter { $0.method == "POST" }.count == 2)
        }
    }

    @Test func conflictIsRetriedThenSucceeds() async throws {
        try await Harness.run { harness in
            await harness.play.enqueue(.status(409, reason: "concurrentUpdate"))
            let result = try await harness.deliver(try harness.artifact(.apk, size: 10_000), with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(await harness.play.requests.map(\.status) == [409, 200])
            #expect(await harness.play.uploads.count == 1)
        }
    }

    @Test func aConnectionResetMidAnswerIsRetriedThenSucceeds() async throws {
        try await Harness.run { harness in
            await harness.play.enqueue(.resetConnection)
            let result = try await harness.deliver(try harness.artifact(.apk, size: 10_000), with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(await harness.play.requests.count == 2, "the reset request and the retry")
            #expect(await harness.play.uploads.count == 1)
        }
    }

    @Test func serverErrorsUntilTheLastTryGiveARetryableError() async throws {
        try await Harness.run { harness in
            await harness.play.enqueue(.status(503), .status(503), .status(503), .status(503))
            let error = await harness.failure(try harness.artifact(.apk, size: 10_000), with: try harness.uploader())

            #expect(error?.isRetryable == true)
            #expect(error?.failure.httpStatus == 503)
            #expect(error?.failure.step == "upload APK")
            #expect(error?.failure.message.contains("The service is currently unavailable.") == true)
            #expect(await harness.play.requests.count == Harness.fastRetries.maxAttempts)
        }
    }

    @Test func permissionDeniedFailsFastWithGooglesMessageAndAHint() async throws {
        try await Harness.run { harness in
            await harness.play.enqueue(
                .status(403, reason: "userInsufficientPermission", message: "The caller does not have permission"))
            let error = await harness.failure(try harness.artifact(.apk, size: 10_000), with: try harness.uploader())

            #expect(error?.isRetryable == false)
            #expect(error?.failure.step == "upload APK")
            #expect(error?.failure.httpStatus == 403)
            #expect(error?.failure.message.contains("The caller does not have permission") == true)
            #expect(error?.failure.message.contains("userInsufficientPermission") == true)
            #expect(error?.failure.hint?.contains("Users and permissions") == true)
            #expect(error?.failure.hint?.contains("Google Play Android Developer API") == true)
            #expect(error?.failure.hint?.contains(Harness.account.email) == true)
            #expect(await harness.play.requests.count == 1)
        }
    }

    @Test func unknownPackageFailsFastWithAHint() async throws {
        try await Harness.run { harness in
            let uploader = try harness.uploader(harness.settings(packageName: "com.example.unknown"))
            let error = await harness.failure(try harness.artifact(.apk, size: 10_000), with: uploader)

            #expect(error?.isRetryable == false)
            #expect(error?.failure.httpStatus == 404)
            #expect(error?.failure.message.contains("No application was found for the given package name.") == true)
            #expect(error?.failure.hint?.contains("must already exist in Play Console") == true)
            #expect(error?.failure.hint?.contains("com.example.unknown") == true)
            #expect(await harness.play.requests.count == 1)
        }
    }

    @Test func aKeyGoogleDoesNotKnowFailsFastAtTheTokenStep() async throws {
        try await Harness.run { harness in
            // Same email, different key: a deleted or rotated key.
            let stale = try FakeServiceAccount(email: Harness.account.email)
            let keyFile = try stale.writeKeyFile(
                tokenURI: harness.baseURL + "/token", to: harness.directory.appendingPathComponent("stale.json"))
            let uploader = try harness.uploader(harness.settings(keyFile: keyFile))
            let error = await harness.failure(try harness.artifact(.apk, size: 10_000), with: uploader)

            #expect(error?.isRetryable == false)
            #expect(error?.failure.step == "get access token")
            #expect(error?.failure.httpStatus == 400)
            #expect(error?.failure.message.contains("invalid_grant") == true)
            #expect(error?.failure.message.contains("Invalid JWT Signature.") == true)
            #expect(error?.failure.hint?.contains("clock") == true)
            #expect(await harness.play.tokenErrors == ["invalid_grant"])
            #expect(await harness.play.requests.isEmpty)
        }
    }

    @Test func oneTokenServesTwoUploads() async throws {
        try await Harness.run { harness in
            let uploader = try harness.uploader()
            _ = try await harness.deliver(try harness.artifact(.apk, size: 10_000), with: uploader)
            _ = try await harness.deliver(try harness.artifact(.aab, size: 10_000), with: uploader)

            #expect(await harness.play.tokensIssued == 1)
            #expect(await harness.play.uploads.count == 2)
        }
    }

    @Test func concurrentUploadsShareOneTokenRequest() async throws {
        try await Harness.run { harness in
            let uploader = try harness.uploader()
            let first = try harness.artifact(.apk, size: 20_000)
            let second = try harness.artifact(.aab, size: 20_000)
            async let a = harness.deliver(first, with: uploader)
            async let b = harness.deliver(second, with: uploader)
            _ = try await (a, b)

            #expect(await harness.play.tokensIssued == 1)
            #expect(await harness.play.uploads.count == 2)
        }
    }

    @Test func aTokenNearItsExpiryIsReplaced() async throws {
        // Tokens that live 60 s are inside the five-minute refresh margin from the start.
        try await Harness.run(tokenLifetimeSeconds: 60) { harness in
            let uploader = try harness.uploader()
            _ = try await harness.deliver(try harness.artifact(.apk, size: 10_000), with: uploader)
            _ = try await harness.deliver(try harness.artifact(.apk, size: 10_000), with: uploader)

            #expect(await harness.play.tokensIssued == 2)
            #expect(await harness.play.uploads.count == 2)
        }
    }

    @Test func aRefusedTokenIsReplacedOnceAndTheUploadRetried() async throws {
        try await Harness.run { harness in
            await harness.play.enqueue(.status(401))
            let result = try await harness.deliver(try harness.artifact(.apk, size: 10_000), with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(await harness.play.tokensIssued == 2)
            #expect(await harness.play.requests.map(\.status) == [401, 200])
        }
    }

    @Test func aSecondRefusalFailsFast() async throws {
        try await Harness.run { harness in
            await harness.play.enqueue(.status(401), .status(401))
            let error = await harness.failure(try harness.artifact(.apk, size: 10_000), with: try harness.uploader())

            #expect(error?.isRetryable == false)
            #expect(error?.failure.httpStatus == 401)
            #expect(error?.failure.hint?.contains(Harness.account.email) == true)
            #expect(await harness.play.tokensIssued == 2)
            #expect(await harness.play.requests.count == 2)
        }
    }

    @Test func aSHA256MismatchIsAFailureThatSaysSo() async throws {
        try await Harness.run { harness in
            await harness.play.enqueue(.wrongSHA256)
            let artifact = try harness.artifact(.apk, size: 10_000)
            let error = await harness.failure(artifact, with: try harness.uploader())

            #expect(error?.failure.step == "verify upload")
            #expect(error?.failure.message.contains("sha256") == true)
            #expect(error?.failure.message.contains(artifact.sha256) == true)
        }
    }

    @Test func sessionURIsNeverReachErrorMessages() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(.aab, size: 600 * 1024)
            await harness.play.enqueue(
                .pass,
                .status(400, reason: "invalidValue", message: "Bad chunk for \(harness.baseURL)/upload/x?uploadType=resumable&upload_id=SECRET123"))
            let uploader = try harness.uploader(harness.settings(resumableThresholdBytes: 512 * 1024))
            let error = await harness.failure(artifact, with: uploader)

            #expect(error?.isRetryable == false)
            #expect(error?.failure.step == "upload app bundle")
            #expect(error?.failure.message.contains("Bad chunk for \(harness.baseURL)/upload/x") == true)
            #expect(error?.failure.message.contains("SECRET123") == false)
        }
    }

    @Test func anUnreachableAPIIsARetryableFailureNamingTheHostOnly() async throws {
        try await Harness.run { harness in
            // AsyncHTTPClient keeps retrying a refused connection until its connect timeout: keep it short.
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(timeout: .init(connect: .milliseconds(200), read: .seconds(5))))
            var settings = harness.settings()
            settings.apiURL = "http://127.0.0.1:1"
            let uploader = try StoreUploaders.make(
                StoreDefinition(name: "play", line: 1, settings: .googlePlay(settings)), environment: [:],
                baseDirectory: nil, httpClient: client,
                retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)),
                logger: Logger(label: "test.play"))
            let error = await harness.failure(try harness.artifact(.apk, size: 10_000), with: uploader)
            try await client.shutdown()

            #expect(error?.isRetryable == true)
            #expect(error?.failure.step == "upload APK")
            #expect(error?.failure.message.contains("127.0.0.1:1") == true)
            #expect(error?.failure.message.contains("uploadType") == false)
        }
    }
}
