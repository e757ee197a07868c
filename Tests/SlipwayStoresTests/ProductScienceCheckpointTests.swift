import Foundation
import Logging
@testable import SlipwayCore
import SlipwayFakes
import SlipwayStores
import Testing

/// Issue 13 §2 for Product Science: the build record step 2 creates is saved before the file goes,
/// and a job that runs again sends the file to that build instead of creating another.
@Suite struct ProductScienceCheckpointTests {
    typealias Harness = BuildUploadsHarness

    func deliver(_ artifact: Artifact, _ harness: Harness, _ uploader: any StoreUploader, _ checkpoint: StoreCheckpoint)
        async throws(StoreError) -> StoreResult
    {
        try await uploader.deliver(artifact, for: harness.event(), checkpoint: checkpoint, logger: Logger(label: "test.ps"))
    }

    @Test func aJobRunningAgainSendsTheFileToTheBuildItCreated() async throws {
        try await Harness.run { harness in
            let saved = SavedCheckpoints()
            let artifact = try harness.artifact(size: 40_000)
            // The storage fails every try of this attempt; the build record exists from step 2 on.
            for _ in 0..<4 { await harness.productScience.enqueue(.status(503), at: .storage) }
            let uploader = try harness.uploader()
            let first = await saved.checkpoint
            do throws(StoreError) {
                let result = try await deliver(artifact, harness, uploader, first)
                Issue.record("expected the first attempt to fail, got \(result.summary)")
            } catch {
                #expect(error.isRetryable)
                #expect(error.failure.step == "upload file")
            }
            #expect(await harness.productScience.builds.count == 1)
            #expect(await saved.saves == 1)

            let result = try await deliver(artifact, harness, try harness.uploader(), await saved.checkpoint)
            #expect(result.state == .succeeded)
            let builds = await harness.productScience.builds
            #expect(builds.count == 1, "no second build record")
            #expect(await harness.productScience.uploads.map(\.buildID) == [try #require(builds.first).id])
            #expect(await harness.productScience.uploads.first?.sha256 == artifact.sha256)
            // The second attempt went straight to the storage.
            #expect(await harness.productScience.requests.map(\.endpoint).suffix(1) == [.storage])
            #expect(result.summary.contains("\(try #require(builds.first).id)"))
        }
    }

    @Test func aStorageThatTookTheFileButLostTheAnswerGetsItAgainForTheSameBuild() async throws {
        try await Harness.run { harness in
            let saved = SavedCheckpoints()
            let artifact = try harness.artifact(size: 40_000)
            for _ in 0..<4 { await harness.productScience.enqueue(.acceptThenDrop, at: .storage) }
            _ = try? await deliver(artifact, harness, try harness.uploader(), await saved.checkpoint)
            #expect(await harness.productScience.uploads.count == 4, "each try reached the storage")

            let result = try await deliver(artifact, harness, try harness.uploader(), await saved.checkpoint)
            #expect(result.state == .succeeded)
            #expect(await harness.productScience.builds.count == 1)
            #expect(Set(await harness.productScience.uploads.map(\.buildID)).count == 1, "one object, written again")
        }
    }

    @Test func aSavedSignedURLThatExpiredMakesOneNewBuildAndIsReplacedInTheCheckpoint() async throws {
        try await Harness.run { harness in
            let saved = SavedCheckpoints()
            let artifact = try harness.artifact(size: 40_000)
            for _ in 0..<4 { await harness.productScience.enqueue(.status(500), at: .storage) }
            _ = try? await deliver(artifact, harness, try harness.uploader(), await saved.checkpoint)
            let first = await saved.values
            await harness.productScience.expireNextURLs(0)
            await harness.productScience.expireIssuedURLs()

            let result = try await deliver(artifact, harness, try harness.uploader(), await saved.checkpoint)
            #expect(result.state == .succeeded)
            #expect(await harness.productScience.builds.count == 2)
            #expect(await saved.values != first, "the renewed build was saved")
            #expect(await saved.saves == 2)
        }
    }

    @Test func anUnreadableCheckpointStartsFromTheFirstStep() async throws {
        try await Harness.run { harness in
            let checkpoint = StoreCheckpoint(saved: ["productscience.build": "{not json"]) { _ in }
            let result = try await deliver(try harness.artifact(size: 1000), harness, try harness.uploader(), checkpoint)
            #expect(result.state == .succeeded)
            #expect(await harness.productScience.requests.map(\.endpoint) == [.context, .builds, .storage])
        }
    }

    @Test func aCheckpointThatCannotBeSavedStopsBeforeTheFileAndIsRetryable() async throws {
        struct Unwritable: Error {}
        try await Harness.run { harness in
            let checkpoint = StoreCheckpoint(saved: [:]) { _ in throw Unwritable() }
            let artifact = try harness.artifact(size: 1000)
            let uploader = try harness.uploader()
            do throws(StoreError) {
                let result = try await deliver(artifact, harness, uploader, checkpoint)
                Issue.record("expected a failure, got \(result.summary)")
            } catch {
                #expect(error.isRetryable)
                #expect(error.failure.message.contains("could not record it"))
            }
            #expect(await harness.productScience.uploads.isEmpty)
        }
    }
}
