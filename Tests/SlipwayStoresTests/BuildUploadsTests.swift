import Foundation
import Logging
@testable import SlipwayCore
import SlipwayFakes
import SlipwayHTTP
import SlipwayStores
import Testing

@Suite("Product Science build uploads against the fake")
struct BuildUploadsTests {
    typealias Harness = BuildUploadsHarness

    @Test func theThreeStepsRunInOrderWithTheBuildsMetadata() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(size: 200_000)
            let result = try await harness.deliver(artifact, with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(await harness.productScience.requests.map(\.endpoint) == [.context, .builds, .storage])
            let build = try #require(await harness.productScience.builds.first)
            #expect(build.contextID == 28)
            #expect(!build.contextIDWasText)
            #expect(build.buildType == "INSTRUMENTED_APK")
            #expect(build.buildFileName == "app-release.apk")
            #expect(build.name == "v5.2.8")
            #expect(build.description == "Release 5.2.8")
            #expect(build.sourceControlId == "e3c0fedc625094db1cbb2823fd425b51ddc0932e")
            #expect(build.sourceControlIsoTimestamp == "2024-03-07T14:55:43.540Z")
            #expect(build.uploadState == "FINISHED")
            #expect(result.details.contains { $0.label == "Build id" && $0.value == "\(build.id)" })
            #expect(result.details.contains { $0.label == "Upload state" && $0.value.hasPrefix("UPLOADING") })
        }
    }

    @Test func theFileGoesUpExactlyAsTheUploadSpecSays() async throws {
        try await Harness.run { harness in
            await harness.productScience.setUploadMethod("POST")
            await harness.productScience.addSignedHeader("x-goog-meta-build-source", "slipway")
            let artifact = try harness.artifact(size: 2 * 1024 * 1024 + 5)
            _ = try await harness.deliver(artifact, with: try harness.uploader())

            let upload = try #require(await harness.productScience.uploads.first)
            #expect(upload.method == "POST")
            #expect(upload.headers["content-type"] == "application/octet-stream")
            #expect(upload.headers["x-goog-content-length-range"] == "0,1073741824")
            #expect(upload.headers["x-goog-meta-build-source"] == "slipway")
            #expect(upload.headers["content-length"] == "\(artifact.size)")
            #expect(upload.headers["authorization"] == nil)
            #expect(upload.byteCount == artifact.size)
            #expect(upload.sha256 == artifact.sha256)
        }
    }

    @Test func aFileAboveTheDeclaredSizeLimitFailsBeforeSending() async throws {
        try await Harness.run { harness in
            await harness.productScience.setMaxBytes(4096)
            let error = try #require(await harness.failure(try harness.artifact(size: 5000), with: try harness.uploader()))
            #expect(error.failure.step == "upload file")
            #expect(error.failure.message.contains("5000 bytes"))
            #expect(error.failure.message.contains("0–4096"))
            #expect(!error.isRetryable)
            #expect(await harness.productScience.requests.filter { $0.endpoint == .storage }.isEmpty)
        }
    }

    @Test func aRefusedSignedURLNeverShowsItsQuery() async throws {
        try await Harness.run { harness in
            await harness.productScience.enqueue(
                .status(403, message: "Denied for http://storage.example/b/o?X-Goog-Signature=deadbeefcafef00d1234"),
                at: .storage)
            let error = try #require(await harness.failure(try harness.artifact(size: 1000), with: try harness.uploader()))
            #expect(error.failure.step == "upload file")
            #expect(error.failure.httpStatus == 403)
            #expect(error.failure.message.contains("/storage/ps-builds/"))
            #expect(!"\(error)".contains("deadbeefcafef00d1234"))
            #expect(!"\(error)".contains("secret-canonical-request"))
        }
    }

    @Test func aSignedURLOnAnotherOriginThatIsPrivateIsRefusedUnlessAllowed() async throws {
        try await Harness.run { harness in
            // The API is on 127.0.0.1; the store hands back a URL on "localhost" (another origin),
            // which resolves to loopback: a store must not be able to point Slipway at internal hosts.
            let port = URL(string: harness.baseURL)!.port!
            await harness.productScience.setStorageHost("localhost:\(port)")
            let error = try #require(await harness.failure(try harness.artifact(size: 1000), with: try harness.uploader()))
            #expect(error.failure.step == "upload file")
            #expect(error.failure.message.contains("server.outbound.allow_private_networks"))
            #expect(error.failure.message.contains("localhost resolves to"))
            #expect(!error.isRetryable)
            #expect(await harness.productScience.requests.filter { $0.endpoint == .storage }.isEmpty)

            let allowed = try harness.uploader(network: PrivateNetworkPolicy(allowed: [NetworkRange("127.0.0.0/8")!, NetworkRange("::1")!]))
            let result = try await allowed.deliver(try harness.artifact(size: 1000), for: harness.event(), logger: Logger(label: "t"))
            #expect(result.state == .succeeded)
            #expect(await harness.productScience.uploads.count == 1)
        }
    }

    @Test func anExpiredSignedURLIsReplacedOnce() async throws {
        try await Harness.run { harness in
            await harness.productScience.expireNextURLs(1)
            let artifact = try harness.artifact(size: 1000)
            let result = try await harness.deliver(artifact, with: try harness.uploader())
            #expect(result.state == .succeeded)
            #expect(await harness.productScience.requests.map(\.endpoint) == [.context, .builds, .storage, .builds, .storage])
            #expect(await harness.productScience.uploads.first?.sha256 == artifact.sha256)
        }
    }

    @Test func aRefusedTokenFailsFastAtTheFirstStep() async throws {
        try await Harness.run { harness in
            let uploader = try harness.uploader(token: "not-the-token-123456")
            let error = try #require(await harness.failure(try harness.artifact(size: 1000), with: uploader))
            #expect(error.failure.step == "create upload context")
            #expect(error.failure.httpStatus == 401)
            #expect(error.failure.message.contains("Invalid or missing token"))
            #expect(!error.isRetryable)
            #expect(!"\(error)".contains("not-the-token-123456"))
            #expect(await harness.productScience.requests.count == 1)
        }
    }

    @Test func serverErrorsAreRetriedAtEveryStep() async throws {
        try await Harness.run { harness in
            await harness.productScience.enqueue(.status(503), at: .context)
            await harness.productScience.enqueue(.status(502), at: .builds)
            await harness.productScience.enqueue(.status(500), at: .storage)
            let artifact = try harness.artifact(size: 50_000)
            let result = try await harness.deliver(artifact, with: try harness.uploader())
            #expect(result.state == .succeeded)
            #expect(await harness.productScience.requests.map(\.status) == [503, 201, 502, 200, 500, 200])
            #expect(await harness.productScience.uploads.first?.sha256 == artifact.sha256)
        }
    }

    @Test func withoutACommitTimeTheUploadTimeStandsInAndTheResultSaysSo() async throws {
        try await Harness.run { harness in
            let before = Date()
            let result = try await harness.deliver(
                try harness.artifact(size: 1000), with: try harness.uploader(buildType: .apk),
                event: harness.event(commitTimestamp: nil))
            let build = try #require(await harness.productScience.builds.first)
            #expect(build.buildType == "APK")
            let sent = try #require(build.sourceControlIsoTimestamp.flatMap { ISO8601DateFormatter.withFraction.date(from: $0) })
            #expect(sent >= before.addingTimeInterval(-1))
            #expect(result.details.contains { $0.label == "Commit time" && $0.value.contains("no commit time") })
        }
    }
}
