import Foundation
import Logging
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

/// Issue 13 §2 for Applivery: its upload `POST` is not idempotent, so before uploading (and before
/// each retry) Slipway looks for the build an earlier attempt put there, and reuses it.
@Suite("Applivery: no second build for one CI build")
struct AppliveryEarlierUploadTests {
    typealias Harness = AppliveryHarness

    @Test func aLostAnswerIsFollowedByALookNotASecondUpload() async throws {
        try await Harness.run { harness in
            await harness.applivery.enqueue(.acceptThenDrop, at: .upload)
            let result = try await harness.deliver(try harness.artifact(size: 50_000), with: try harness.uploader())

            #expect(result.state == .succeeded)
            let uploads = await harness.applivery.uploads
            #expect(uploads.count == 1, "Applivery took the first upload; the retry found it")
            #expect(result.details.contains { $0.label == "Build id" && $0.value == uploads.first?.buildID })
            #expect(await harness.applivery.requests(to: .upload).count == 1)
            #expect(await harness.applivery.requests(to: .listBuilds).count == 2, "before the upload, and before the retry")
        }
    }

    @Test func aBuildAnEarlierAttemptUploadedIsReused() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(size: 50_000)
            let first = try await harness.deliver(artifact, with: try harness.uploader())
            // The job runs again (say it crashed before saving this result): nothing is uploaded twice.
            let second = try await harness.deliver(artifact, with: try harness.uploader())

            #expect(second.state == .succeeded)
            #expect(await harness.applivery.uploads.count == 1)
            let id = { (result: StoreResult) in result.details.first { $0.label == "Build id" }?.value }
            #expect(id(first) != nil && id(first) == id(second))
        }
    }

    @Test func anotherCIBuildOrAFailedBuildIsNotReused() async throws {
        try await Harness.run { harness in
            let artifact = try harness.artifact(size: 50_000)
            _ = try await harness.deliver(artifact, with: try harness.uploader())
            var other = harness.event
            other.buildID = "another-run"
            _ = try await harness.deliver(artifact, for: other, with: try harness.uploader())
            #expect(await harness.applivery.uploads.count == 2, "another CI build of the same commit is its own build")

            await harness.applivery.failNextProcessing()
            var third = harness.event
            third.buildID = "third-run"
            _ = await harness.failure(artifact, for: third, with: try harness.uploader())
            _ = try await harness.deliver(artifact, for: third, with: try harness.uploader())
            #expect(await harness.applivery.uploads.count == 4, "a build Applivery failed to process is uploaded again")
        }
    }

    @Test func aListingThatFailsDoesNotStopAFirstUpload() async throws {
        try await Harness.run { harness in
            for _ in 0..<8 { await harness.applivery.enqueue(.status(500), at: .listBuilds) }
            let result = try await harness.deliver(try harness.artifact(size: 50_000), with: try harness.uploader())
            #expect(result.state == .succeeded)
            #expect(await harness.applivery.uploads.count == 1)
        }
    }

    @Test func onceAnUploadMayHaveArrivedAListingThatFailsStopsTheUploadInsteadOfRiskingASecondBuild() async throws {
        try await Harness.run { harness in
            let saved = SavedCheckpoints()
            let artifact = try harness.artifact(size: 50_000)
            let uploader = try harness.uploader()
            await harness.applivery.enqueue(.acceptThenDrop, at: .upload)
            await harness.applivery.enqueue(.pass, at: .listBuilds)  // the look before the first upload
            for _ in 0..<12 { await harness.applivery.enqueue(.status(503), at: .listBuilds) }
            let first = await saved.checkpoint
            do throws(StoreError) {
                let result = try await uploader.deliver(artifact, for: harness.event, checkpoint: first, logger: .init(label: "test"))
                Issue.record("expected a failure, got \(result.summary)")
            } catch {
                #expect(error.isRetryable)
                #expect(error.failure.step == "look for an earlier upload")
            }
            #expect(await harness.applivery.uploads.count == 1)
            #expect(await saved.values["applivery.uploadStarted"] != nil)

            // The job runs again; the listing still fails: still no second build.
            for _ in 0..<4 { await harness.applivery.enqueue(.status(503), at: .listBuilds) }
            let second = await saved.checkpoint
            do throws(StoreError) {
                _ = try await uploader.deliver(artifact, for: harness.event, checkpoint: second, logger: .init(label: "test"))
                Issue.record("expected a failure")
            } catch {
                #expect(error.isRetryable)
            }
            // And once the listing answers, the build that is there is reused.
            let result = try await uploader.deliver(artifact, for: harness.event, checkpoint: await saved.checkpoint, logger: .init(label: "test"))
            #expect(result.state == .succeeded)
            #expect(await harness.applivery.uploads.count == 1)
        }
    }
}
