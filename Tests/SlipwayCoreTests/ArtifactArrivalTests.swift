import SlipwayCore
import Testing

@Suite("Artifact arrival") struct ArtifactArrivalTests {
    static func artifact(size: Int64 = 1000, sha256: String = "") -> Artifact {
        Artifact(path: "/tmp/a.apk", name: "a.apk", kind: .apk, size: size, sha256: sha256)
    }

    @Test func bytesAreReleasedAsTheyLandAndTheEndOnlyOnceComplete() async throws {
        let arrival = ArtifactArrival()
        await arrival.began(Self.artifact())
        let started = try #require(await arrival.uploadable())
        #expect(started.arrival === arrival)
        #expect(started.size == 1000)

        let early = Task { try await arrival.waitForBytes(upTo: 400, ahead: 50, reader: 1) }
        let released = Flag()
        let end = Task {
            try await arrival.waitForBytes(upTo: 1000, reader: 2)
            await released.set()
        }
        await arrival.wrote(upTo: 500)
        #expect(try await early.value == 450, "readable up to 500, but at most 50 past what was asked")
        // Every byte is on disk, but the end of the file waits for the check.
        await arrival.wrote(upTo: 1000)
        try await Task.sleep(for: .milliseconds(50))
        #expect(await released.isSet == false)
        await arrival.complete(Self.artifact(sha256: "abc"))
        try await end.value
        #expect(await arrival.readPositions == [450, 1000])
        let settled = try await started.settled()
        #expect(settled.sha256 == "abc")
        #expect(settled.arrival == nil)
    }

    @Test func aFailedDownloadFailsEveryWaitingReader() async throws {
        let arrival = ArtifactArrival()
        await arrival.began(Self.artifact())
        let reader = Task { () async throws -> Void in try await arrival.waitForBytes(upTo: 200, reader: 1) }
        let settling = Task { () async throws -> Artifact in try await arrival.completed() }
        await arrival.fail("connection reset")
        #expect(await failure(of: reader) == .downloadFailed("connection reset"))
        #expect(await failure(of: settling) == .downloadFailed("connection reset"))
        #expect(await arrival.hasFailed)
        // A late completion does not undo the failure.
        await arrival.complete(Self.artifact(sha256: "abc"))
        #expect(await arrival.hasFailed)
    }

    @Test func aCancelledReaderStopsWaiting() async throws {
        let arrival = ArtifactArrival()
        await arrival.began(Self.artifact())
        let reader = Task { () async throws -> Void in try await arrival.waitForBytes(upTo: 200, reader: 1) }
        try await Task.sleep(for: .milliseconds(20))
        reader.cancel()
        #expect(await failure(of: reader) == .cancelled)
    }

    @Test func storesWaitForTheWholeFileWhenTheDownloadNeverAnnouncesItself() async throws {
        let arrival = ArtifactArrival()
        let waiting = Task { await arrival.uploadable() }
        await arrival.complete(Self.artifact(sha256: "abc"))
        let artifact = try #require(await waiting.value)
        #expect(artifact.arrival == nil)
        #expect(artifact.sha256 == "abc")

        let failing = ArtifactArrival()
        let nothing = Task { await failing.uploadable() }
        await failing.fail("404")
        #expect(await nothing.value == nil)
    }
}

/// What `task` failed with, if it failed with an arrival's failure.
private func failure<T: Sendable>(of task: Task<T, any Error>) async -> ArtifactArrival.Failure? {
    do {
        _ = try await task.value
        return nil
    } catch {
        return error as? ArtifactArrival.Failure
    }
}

private actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}
