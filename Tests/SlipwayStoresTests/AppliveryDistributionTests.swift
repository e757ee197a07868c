import Foundation
import Logging
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

@Suite("Applivery against the fake")
struct AppliveryDistributionTests {
    typealias Harness = AppliveryHarness

    @Test func uploadThenDownloadTokenGivesTheRedirectLinkAndItsExpiry() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(size: 100_000)
            let result = try await harness.deliver(artifact, with: try harness.uploader())

            #expect(result.state == .succeeded)
            #expect(result.storeType == .applivery)
            let link = try #require(result.links.first)
            #expect(link.title == "Download from Applivery")
            #expect(link.url.hasPrefix(harness.baseURL + "/download/v1/download/"))
            let expiry = try #require(result.details.first { $0.label == "Link expires" }?.value)
            #expect(ISO8601DateFormatter.withFraction.date(from: expiry).map { $0 > Date() } == true)

            let uploads = await harness.applivery.uploads
            #expect(uploads.count == 1)
            #expect(result.details.contains { $0.label == "Build id" && $0.value == uploads.first?.buildID })
            let fields = try #require(uploads.first?.fields)
            #expect(fields["changelog"] == "Fix login crash\n\nCloses #12")
            #expect(fields["versionName"] == "main-0123abc")
            #expect(fields["tags"] == "qa, nightly")
            #expect(fields["filter"] == #"[["qa","android"],["beta"]]"#)
            #expect(fields["deployer.info.commit"] == harness.event.sha)
            #expect(await harness.applivery.requests(to: .downloadToken).map(\.type) == ["auto"])
            #expect(await harness.applivery.requests(to: .download).map(\.status) == [302])
        }
    }

    @Test func theFilePartCarriesTheArtifactsExactBytesWithAnExactContentLength() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(.aab, size: 3 * 1024 * 1024 + 17)  // several read chunks
            _ = try await harness.deliver(artifact, with: try harness.uploader())

            let upload = try #require(await harness.applivery.uploads.first)
            #expect(upload.fileName == "app-release.aab")
            #expect(upload.byteCount == artifact.size)
            #expect(upload.sha256 == artifact.sha256)
            #expect(upload.declaredContentLength == upload.bodyBytes)
        }
    }

    @Test func buildNotProcessedWaitsAndPollingFinishesOnceAppliveryIsDone() async throws {
        try await Harness.run { harness in
            await harness.applivery.setProcessingPolls(2)
            let uploader = try harness.uploader()
            let artifact = try harness.artifact(size: 10_000)

            let waiting = try await harness.deliver(artifact, with: uploader)
            #expect(waiting.state == .waiting)
            #expect(waiting.links.isEmpty)
            let buildID = try #require(await harness.applivery.uploads.first?.buildID)
            #expect(waiting.resumeData["buildId"] == buildID)

            let stillWaiting = try await uploader.poll(waiting, for: harness.event, logger: Logger(label: "test"))
            #expect(stillWaiting.state == .waiting)
            let done = try await uploader.poll(stillWaiting, for: harness.event, logger: Logger(label: "test"))
            #expect(done.state == .succeeded)
            #expect(done.links.first?.url.hasPrefix(harness.baseURL + "/download/v1/download/") == true)
            #expect(await harness.applivery.uploads.count == 1)
            #expect(await harness.applivery.requests(to: .downloadToken).map(\.errorCode) == [5014, 5014, nil])
        }
    }

    @Test func processingThatEndsInErrorFailsWithAppliverysReason() async throws {
        try await Harness.run { harness in
            await harness.applivery.failNextProcessing()
            let error = try #require(await harness.failure(try harness.artifact(size: 1000), with: try harness.uploader()))
            #expect(error.failure.step == "process build")
            #expect(error.failure.message.contains("not signed"))
            #expect(!error.isRetryable)
        }
    }

    @Test func noAuthTokenFailsFastWithAppliverysMessageAndTheWorkspaceHint() async throws {
        try await Harness.run { harness in
            await harness.applivery.enqueue(.status(401, code: 4002), at: .downloadToken)
            let error = try #require(await harness.failure(try harness.artifact(size: 1000), with: try harness.uploader()))
            #expect(error.failure.step == "get download token")
            #expect(error.failure.message.contains("\"No auth token\" (code 4002)"))
            #expect(error.failure.hint?.contains("workspace_token") == true)
            #expect(!error.isRetryable)
            #expect(await harness.applivery.requests(to: .downloadToken).count == 1)
        }
    }

    @Test func theWorkspaceTokenIsUsedForDownloadTokensWhenConfigured() async throws {
        try await Harness.run { harness in
            await harness.applivery.requireWorkspaceTokenForDownloadTokens()
            let result = try await harness.deliver(
                try harness.artifact(size: 1000), with: try harness.uploader(harness.settings(workspaceToken: true)))
            #expect(result.state == .succeeded)
        }
    }

    @Test func entityNotFoundFailsFastNamingTheOrganization() async throws {
        try await Harness.run { harness in
            let uploader = try harness.uploader(harness.settings(organization: "not-acme"))
            let error = try #require(await harness.failure(try harness.artifact(size: 1000), with: uploader))
            #expect(error.failure.message.contains("\"Entity not found\" (code 3001)"))
            #expect(error.failure.hint?.contains("not-acme") == true)
            #expect(error.failure.httpStatus == 404)
            #expect(await harness.applivery.requests(to: .downloadToken).count == 1)
        }
    }

    @Test func anExpiredDownloadTokenIsReplacedByAFreshOne() async throws {
        try await Harness.run { harness in
            await harness.applivery.expireNextTokensEarly(1)
            let result = try await harness.deliver(try harness.artifact(size: 1000), with: try harness.uploader())
            #expect(result.state == .succeeded)
            #expect(await harness.applivery.tokensIssued == 2)
            #expect(await harness.applivery.requests(to: .download).map(\.errorCode) == [4005, nil])
        }
    }

    @Test func serverErrorsAreRetried() async throws {
        try await Harness.run { harness in
            await harness.applivery.enqueue(.status(503), at: .upload)
            await harness.applivery.enqueue(.status(502), .status(500, code: 500, message: "Internal"), at: .downloadToken)
            let result = try await harness.deliver(try harness.artifact(size: 20_000), with: try harness.uploader())
            #expect(result.state == .succeeded)
            #expect(await harness.applivery.requests(to: .upload).map(\.status) == [503, 201])
            #expect(await harness.applivery.requests(to: .downloadToken).map(\.status) == [502, 500, 200])
            #expect(await harness.applivery.uploads.count == 1)
        }
    }

    @Test func anOutageOfTheTokenCallAfterTheUploadWaitsInsteadOfUploadingAgain() async throws {
        try await Harness.run { harness in
            await harness.applivery.enqueue(.status(503), .status(503), .status(503), .status(503), at: .downloadToken)
            let uploader = try harness.uploader()
            let waiting = try await harness.deliver(try harness.artifact(size: 1000), with: uploader)
            #expect(waiting.state == .waiting)
            #expect(waiting.details.contains { $0.label == "Download link" && $0.value.contains("HTTP 503") })

            let done = try await uploader.poll(waiting, for: harness.event, logger: Logger(label: "test"))
            #expect(done.state == .succeeded)
            #expect(await harness.applivery.uploads.count == 1)
        }
    }

    @Test func serverErrorsThatOutlastTheRetriesFailAsRetryable() async throws {
        try await Harness.run { harness in
            await harness.applivery.enqueue(.status(503), .status(503), at: .upload)
            let uploader = try harness.uploader(retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1)))
            let error = try #require(await harness.failure(try harness.artifact(size: 1000), with: uploader))
            #expect(error.failure.step == "upload build")
            #expect(error.isRetryable)
        }
    }

    @Test func aWrongAppTokenFailsFastWithoutEchoingIt() async throws {
        try await Harness.run { harness in
            let definition = StoreDefinition(name: "applivery-qa", line: 1, settings: .applivery(harness.settings()))
            let uploader = try StoreUploaders.make(
                definition, environment: ["APPLIVERY_APP_TOKEN": "wrong-token-0000000000"], baseDirectory: nil,
                httpClient: harness.httpClient, retryPolicy: Harness.fastRetries, logger: Logger(label: "test"))
            let error = try #require(await harness.failure(try harness.artifact(size: 1000), with: uploader))
            #expect(error.failure.step == "upload build")
            #expect(error.failure.message.contains("4004"))
            #expect(error.failure.hint?.contains("app_token") == true)
            #expect(!"\(error)".contains("wrong-token-0000000000"))
            #expect(await harness.applivery.requests(to: .upload).count == 1)
        }
    }
}

extension ISO8601DateFormatter {
    static var withFraction: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
