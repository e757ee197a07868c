import AsyncHTTPClient
import Foundation
import _CryptoExtras
import SlipwayFakes
import SlipwayHTTP
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

/// Run and pipeline listings against the fake GitHub and GitLab over real sockets: each listed
/// build becomes exactly the event its webhook makes, pagination and conditional requests work,
/// and rate-limit answers become a pause.
@Suite("Listing finished builds for reconciliation")
struct BuildListerTests {
    static let token = "ghp_list_token"
    static let gitlabToken = "glpat-list-token"
    let now = Date()

    func withGitHub<T: Sendable>(_ body: (FakeGitHub, GitHubRunLister) async throws -> T) async throws -> T {
        let github = FakeGitHub(token: Self.token)
        let client = OutboundHTTP.makeSharedClient()
        do {
            let result = try await github.run { url in
                let lister = GitHubRunLister(apiURL: url, credentials: StaticGitHubToken(Secret(Self.token)), http: OutboundHTTP(client: client))
                return try await body(github, lister)
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func webhookEvent(_ run: FakeWorkflowRun) throws -> BuildEvent {
        let adapter = GitHubWorkflowRunAdapter(secret: Secret("s"))
        let body = run.webhookBody
        let signature = WebhookSignature.gitHubSignature(body: body, secret: Secret("s"))
        let intake = try adapter.receive(
            WebhookRequest(
                headers: ["x-hub-signature-256": signature, "x-github-delivery": "d-1", "x-github-event": "workflow_run"], body: body),
            now: now)
        guard case .build(_, let event) = intake else { throw ListingError.unexpectedAnswer(step: "webhook") }
        return event
    }

    @Test func aListedRunIsTheEventItsWebhookMakes() async throws {
        try await withGitHub { github, lister in
            let push = FakeWorkflowRun(
                id: 501, repository: "acme/app", headBranch: "main", createdAt: now.addingTimeInterval(-900), updatedAt: now.addingTimeInterval(-600))
            let pr = FakeWorkflowRun(
                id: 502, repository: "acme/app", event: "pull_request", headBranch: "feature/login", pullRequests: [42],
                createdAt: now.addingTimeInterval(-800), updatedAt: now.addingTimeInterval(-500))
            var running = FakeWorkflowRun(id: 503, repository: "acme/app", createdAt: now.addingTimeInterval(-60), updatedAt: now)
            running.status = "in_progress"
            running.conclusion = nil
            for run in [push, pr, running] { await github.record(run) }

            let listing = try await lister.finishedBuilds(in: "acme/app", since: now.addingTimeInterval(-3600), etag: nil)
            #expect(listing.builds.map(\.draft.buildID) == ["502", "501"], "completed runs only, newest first")
            #expect(try listing.builds.first { $0.draft.buildID == "501" }?.draft == webhookEvent(push))
            let listedPR = try #require(listing.builds.first { $0.draft.buildID == "502" })
            #expect(try listedPR.draft == webhookEvent(pr))
            #expect(listedPR.draft.pullRequest == 42)
            #expect(abs(listedPR.finishedAt.timeIntervalSince(now.addingTimeInterval(-500))) < 1)
        }
    }

    @Test func anUnchangedListingIsAskedWithItsETagAndAnswered304() async throws {
        try await withGitHub { github, lister in
            await github.record(
                FakeWorkflowRun(id: 601, repository: "acme/app", createdAt: now.addingTimeInterval(-900), updatedAt: now.addingTimeInterval(-600)))
            let since = now.addingTimeInterval(-3600)
            let first = try await lister.finishedBuilds(in: "acme/app", since: since, etag: nil)
            let etag = try #require(first.etag)
            let second = try await lister.finishedBuilds(in: "acme/app", since: since, etag: etag)
            #expect(second.notModified)
            #expect(second.builds.isEmpty)
            #expect(await github.runListingsNotModified == 1)
            await github.record(
                FakeWorkflowRun(id: 602, repository: "acme/app", createdAt: now.addingTimeInterval(-300), updatedAt: now.addingTimeInterval(-200)))
            let third = try await lister.finishedBuilds(in: "acme/app", since: since, etag: etag)
            #expect(!third.notModified)
            #expect(third.builds.count == 2)
        }
    }

    @Test func listingsFollowPagesAndTheCreatedFilter() async throws {
        try await withGitHub { github, lister in
            for index in 0..<130 {
                let created = now.addingTimeInterval(-Double(index) * 60 - 120)
                await github.record(FakeWorkflowRun(id: Int64(1000 + index), repository: "acme/app", createdAt: created, updatedAt: created))
            }
            let listing = try await lister.finishedBuilds(in: "acme/app", since: now.addingTimeInterval(-125 * 60), etag: nil)
            #expect(listing.builds.count == 124, "runs created before the window are not listed")
            #expect(Set(listing.builds.map(\.draft.buildID)).count == 124)
            #expect(await github.runListingsServed == 2, "two pages of 100")
        }
    }

    @Test func rateLimitAnswersBecomeAPauseUntilTheReset() async throws {
        try await withGitHub { github, lister in
            await github.addRepository("acme/app")
            await github.enqueue(.rateLimitExhausted(resetInSeconds: 600), on: .listRuns)
            await #expect(throws: ListingError.self) {
                _ = try await lister.finishedBuilds(in: "acme/app", since: now, etag: nil)
            }
            await github.enqueue(.secondaryRateLimit(retryAfterSeconds: 90), on: .listRuns)
            let error = await Self.listingError { () async throws(ListingError) in _ = try await lister.finishedBuilds(in: "acme/app", since: now, etag: nil) }
            guard case .rateLimited(let until, let message) = error else {
                Issue.record("a secondary rate limit must become a pause, got \(String(describing: error))")
                return
            }
            #expect(abs(until.timeIntervalSinceNow - 90) < 5)
            #expect(message.contains("secondary rate limit"))
        }
    }

    @Test func globsExpandThroughTheOwnersRepositories() async throws {
        try await withGitHub { github, lister in
            for name in ["acme/app", "acme/app-beta", "acme/web", "other/app"] { await github.addRepository(name) }
            let filters = [
                GlobFilter(include: [try Glob("acme/app*")], exclude: [try Glob("acme/app-beta")]),
                GlobFilter(include: [try Glob("solo/tool")]),
            ]
            let expansion = await lister.repositories(matching: filters)
            #expect(expansion.names == ["acme/app", "solo/tool"])
            let anyRepository = await lister.repositories(matching: [GlobFilter()])
            #expect(anyRepository.names.isEmpty)
            #expect(anyRepository.notes.first?.contains("(repo: owner/*)") == true, "a token cannot list every repository: said so")
        }
    }

    static let appKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    @Test func anAppListsItsInstallationsRepositoriesAndARepositoryItIsNotOnIsNotFound() async throws {
        let github = FakeGitHub(token: "static-unused", login: "slipway-test[bot]")
        await github.enableApp(FakeGitHubApp(id: 12345, publicKey: Self.appKey.publicKey, slug: "slipway-test", installationID: 777))
        for name in ["acme/app", "acme/web"] { await github.addRepository(name) }
        await github.uninstallApp(from: "acme/web")
        await github.record(
            FakeWorkflowRun(id: 701, repository: "acme/app", createdAt: now.addingTimeInterval(-900), updatedAt: now.addingTimeInterval(-600)))
        let client = OutboundHTTP.makeSharedClient()
        do {
            try await github.run { api in
                let app = GitHubAppInstallations(appID: 12345, privateKey: Self.appKey, apiURL: api, http: OutboundHTTP(client: client))
                let lister = GitHubRunLister(apiURL: api, credentials: app, http: OutboundHTTP(client: client))
                let expansion = await lister.repositories(matching: [GlobFilter(include: [try Glob("acme/*")])])
                #expect(expansion.names == ["acme/app"], "what the installation covers (/orgs/acme/installation, /installation/repositories)")
                let listing = try await lister.finishedBuilds(in: "acme/app", since: now.addingTimeInterval(-3600), etag: nil)
                #expect(listing.builds.map(\.draft.buildID) == ["701"])
                let error = await Self.listingError { () async throws(ListingError) in
                    _ = try await lister.finishedBuilds(in: "acme/web", since: now.addingTimeInterval(-3600), etag: nil)
                }
                guard case .notFound = error else {
                    Issue.record("a repository the App is not installed on is not found, not an error: \(String(describing: error))")
                    return
                }
            }
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func listingError(_ call: () async throws(ListingError) -> Void) async -> ListingError? {
        do {
            try await call()
            return nil
        } catch {
            return error
        }
    }

    // MARK: GitLab

    func withGitLab<T: Sendable>(_ body: (FakeGitLab, GitLabPipelineLister) async throws -> T) async throws -> T {
        let gitlab = FakeGitLab(token: Self.gitlabToken)
        let client = OutboundHTTP.makeSharedClient()
        do {
            let result = try await gitlab.run { url in
                let lister = GitLabPipelineLister(apiURL: url, token: Secret(Self.gitlabToken), http: OutboundHTTP(client: client))
                return try await body(gitlab, lister)
            }
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func hookEvent(_ pipeline: FakeGitLabPipeline) throws -> BuildEvent {
        let hook = pipeline.hook(token: "hook")
        let intake = try GitLabPipelineAdapter(webhookToken: Secret("hook")).receive(
            WebhookRequest(headers: hook.headers, body: hook.body), now: now)
        guard case .build(_, let event) = intake else { throw ListingError.unexpectedAnswer(step: "hook") }
        return event
    }

    @Test func aListedPipelineCompletesToTheEventItsHookMakes() async throws {
        try await withGitLab { gitlab, lister in
            let push = FakeGitLabPipeline(
                id: 901, projectID: 7, path: "acme/app", ref: "main", jobs: ["assemble-release": 377, "lint": 378],
                createdAt: now.addingTimeInterval(-900), updatedAt: now.addingTimeInterval(-600))
            let mr = FakeGitLabPipeline(
                id: 902, projectID: 7, path: "acme/app", ref: "feature/login", mergeRequestIID: 12, jobs: ["assemble-debug": 380],
                createdAt: now.addingTimeInterval(-800), updatedAt: now.addingTimeInterval(-500))
            let failed = FakeGitLabPipeline(
                id: 903, projectID: 7, path: "acme/app", ref: "main", status: "failed", jobs: [:],
                createdAt: now.addingTimeInterval(-700), updatedAt: now.addingTimeInterval(-400))
            for pipeline in [push, mr, failed] { await gitlab.record(pipeline) }

            let listing = try await lister.finishedBuilds(in: "acme/app", since: now.addingTimeInterval(-3600), etag: nil)
            #expect(listing.builds.map(\.draft.buildID) == ["902", "901"], "successful pipelines only, newest update first")
            for (build, pipeline) in zip(listing.builds, [mr, push]) {
                #expect(build.buildKey == (try hookEvent(pipeline)).buildKey, "same build key before completion")
                #expect(try await lister.completed(build) == (try hookEvent(pipeline)))
            }
            let completedMR = try await lister.completed(listing.builds[0])
            #expect(completedMR.pullRequest == 12)
            #expect(completedMR.branch == "feature/login")
            #expect(completedMR.trigger == .pullRequest)
        }
    }

    @Test func gitLabGroupsExpandAnd429PausesTheSource() async throws {
        try await withGitLab { gitlab, lister in
            for (id, path) in [(7, "acme/app"), (8, "acme/tools/cli"), (9, "other/app")] as [(Int64, String)] {
                await gitlab.record(
                    FakeGitLabPipeline(id: id * 100, projectID: id, path: path, ref: "main", jobs: [:], createdAt: now, updatedAt: now))
            }
            let expansion = await lister.repositories(matching: [GlobFilter(include: [try Glob("acme/**")])])
            #expect(expansion.names == ["acme/app", "acme/tools/cli"])
            await gitlab.enqueueRateLimit(retryAfter: 120)
            let error = await Self.listingError { () async throws(ListingError) in
                _ = try await lister.finishedBuilds(in: "acme/app", since: now.addingTimeInterval(-60), etag: nil)
            }
            guard case .rateLimited(let until, _) = error else {
                Issue.record("a 429 must become a pause, got \(String(describing: error))")
                return
            }
            #expect(abs(until.timeIntervalSinceNow - 120) < 5)
        }
    }
}
