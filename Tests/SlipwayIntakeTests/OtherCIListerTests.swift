import AsyncHTTPClient
import Foundation
import SlipwayFakes
import SlipwayHTTP
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

/// Bitrise, Buildkite and CircleCI listings against their fakes over real sockets: each listed
/// build has the build key, pull request and artifact source its webhook gives it.
@Suite("Listing Bitrise, Buildkite and CircleCI builds for reconciliation")
struct OtherCIListerTests {
    let now = Date()

    func withClient<T: Sendable>(_ body: (OutboundHTTP) async throws -> T) async throws -> T {
        let client = OutboundHTTP.makeSharedClient()
        do {
            let result = try await body(OutboundHTTP(client: client))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func bitriseBuildsOfTheMappedAppsAreTheirWebhooksEvents() async throws {
        let bitrise = FakeBitrise(token: "bitrise-token")
        try await bitrise.run { api in
            try await withClient { http in
                for (index, slug) in ["b-1", "b-2", "b-3"].enumerated() {
                    await bitrise.addBuild(app: "app-1", slug: slug, commitHash: "c0ffee\(index)", branch: "feature/login", artifacts: [:])
                    await bitrise.finish(
                        app: "app-1", slug: slug,
                        FakeBitriseListing(
                            status: index == 2 ? 2 : 1, pullRequestID: index == 0 ? 17 : 0,
                            triggeredAt: now.addingTimeInterval(-Double(900 - index * 60)),
                            finishedAt: now.addingTimeInterval(-Double(600 - index * 60))))
                }
                let lister = BitriseBuildLister(
                    access: .init(apiURL: api, token: Secret("bitrise-token")), appURL: "https://app.bitrise.io",
                    apps: ["app-1": "acme/app", "app-2": "acme/other"], http: http)
                let expansion = await lister.repositories(matching: [GlobFilter(include: [try Glob("acme/app")])])
                #expect(expansion.names == ["app-1"], "apps whose repository the rules match")
                let listing = try await lister.finishedBuilds(in: "app-1", since: now.addingTimeInterval(-3600), etag: nil)
                #expect(listing.builds.map(\.draft.buildID) == ["b-2", "b-1"], "successful builds, newest first")
                let hook = FakeBitriseHook.buildFinished(secret: "s", app: "app-1", slug: "b-1", branch: "feature/login", pullRequestID: 17)
                let intake = try BitriseBuildAdapter(secret: Secret("s"), apps: ["app-1": "acme/app"]).receive(
                    WebhookRequest(headers: hook.headers, body: hook.body), now: now)
                guard case .build(_, let webhookEvent) = intake else { Issue.record("no build from the hook"); return }
                let listed = try #require(listing.builds.last?.draft)
                #expect(listed.buildKey == webhookEvent.buildKey)
                #expect(listed.pullRequest == 17)
                #expect(listed.artifactSource == webhookEvent.artifactSource)
                #expect(listed.sha == "c0ffee0", "the listing knows the SHA the hook leaves out")
            }
        }
    }

    @Test func buildkiteBuildsOfEveryOrganizationAreTheirWebhooksEvents() async throws {
        let buildkite = FakeBuildkite(token: "bk-token")
        try await buildkite.run { api in
            try await withClient { http in
                var builds: [FakeBuildkiteBuild] = []
                for number in 1...105 {
                    var build = FakeBuildkiteBuild(
                        number: number, organization: "acme", pipeline: "android", finishedAt: now.addingTimeInterval(-Double(6000 - number * 10)))
                    if number == 100 { build.pullRequestID = "42" }
                    if number == 101 { build.state = "failed" }
                    builds.append(build)
                    await buildkite.record(build)
                }
                let lister = BuildkiteBuildLister(access: .init(apiURL: api, token: Secret("bk-token")), http: http)
                #expect(await lister.repositories(matching: []).names == ["acme"])
                let listing = try await lister.finishedBuilds(in: "acme", since: now.addingTimeInterval(-7200), etag: nil)
                #expect(listing.builds.count == 104, "passed builds across two pages")
                let hook = builds[99].hook(token: "hook-token")
                let intake = try BuildkiteBuildAdapter(token: Secret("hook-token")).receive(
                    WebhookRequest(headers: hook.headers, body: hook.body), now: now)
                guard case .build(_, let webhookEvent) = intake else { Issue.record("no build from the hook"); return }
                #expect(listing.builds.first { $0.draft.buildID == builds[99].id }?.draft == webhookEvent)
                #expect(webhookEvent.pullRequest == 42)
                #expect(webhookEvent.repository == "acme/app")
            }
        }
    }

    @Test func circleCIWorkflowsOfTheConfiguredProjectsAreTheirWebhooksEvents() async throws {
        let circleci = FakeCircleCI(token: "circle-token")
        try await circleci.run { api in
            try await withClient { http in
                let recent = FakeCircleCIPipeline(
                    number: 130, projectSlug: "gh/acme/app", repositoryURL: "https://github.com/acme/app",
                    createdAt: now.addingTimeInterval(-900),
                    workflows: [
                        .init(id: "wf-ok", stoppedAt: now.addingTimeInterval(-600)),
                        .init(id: "wf-failed", name: "lint", status: "failed", stoppedAt: now.addingTimeInterval(-650)),
                        .init(id: "wf-running", name: "deploy", status: "running", stoppedAt: nil),
                    ])
                let old = FakeCircleCIPipeline(
                    number: 120, projectSlug: "gh/acme/app", repositoryURL: "https://github.com/acme/app",
                    createdAt: now.addingTimeInterval(-90_000), workflows: [.init(id: "wf-old", stoppedAt: now.addingTimeInterval(-89_000))])
                await circleci.record(recent)
                await circleci.record(old)
                let lister = CircleCIWorkflowLister(
                    access: .init(apiURL: api, token: Secret("circle-token"), artifactHosts: []), projects: ["gh/acme/app"], http: http)
                let listing = try await lister.finishedBuilds(in: "gh/acme/app", since: now.addingTimeInterval(-3600), etag: nil)
                #expect(listing.builds.map(\.draft.buildID) == ["wf-ok", "wf-failed"], "finished workflows of pipelines in the window")
                #expect(listing.builds.map(\.deliverable) == [true, false])
                let hook = recent.hook(workflow: 0, secret: "sign")
                let intake = try CircleCIWorkflowAdapter(secret: Secret("sign")).receive(
                    WebhookRequest(headers: hook.headers, body: hook.body), now: now)
                guard case .build(_, let webhookEvent) = intake else { Issue.record("no build from the hook"); return }
                #expect(listing.builds.first?.draft == webhookEvent)
                #expect(await circleci.requestLog.filter { $0.hasPrefix("GET workflows") }.count == 1, "the old pipeline's workflows are not read")

                let unconfigured = CircleCIWorkflowLister(
                    access: .init(apiURL: api, token: Secret("circle-token"), artifactHosts: []), projects: [], http: http)
                #expect(await unconfigured.repositories(matching: []).notes.first?.contains("sources.circleci.projects") == true)
            }
        }
    }
}
