package import Foundation
import SlipwayCore
import SlipwayFakes
import SlipwayIntake
import SlipwayStores

/// The parsers `scripts/fuzz` runs under libFuzzer (issue 13 §3), one per name; the normal test suite
/// runs the kept corpus and every crasher through the same code (`FuzzRegressionTests`).
package enum FuzzTarget: String, CaseIterable, Sendable {
    case github, gitlab, bitrise, buildkite, circleci, generic, config, glob, apkManifest = "apk-manifest", headers

    /// Runs one input through the parser; anything but a crash (or a sanitizer report) is fine. The
    /// answer says how far the input got (`build`, `ignored`, `unauthorized`, `malformed`, `parsed`,
    /// `refused`), so tests can tell that seeds reach the parsers behind the signature check.
    @discardableResult
    package func run(_ data: Data) -> String {
        switch self {
        case .github, .gitlab, .bitrise, .buildkite, .circleci, .generic:
            let (headers, body) = FuzzInput.split(data)
            let adapter = FuzzInput.adapter(for: self)
            let request = WebhookRequest(headers: FuzzInput.signedHeaders(for: self, body: body).merging(headers) { $1 }, body: body)
            do throws(WebhookError) {
                switch try adapter.receive(request, now: FuzzInput.now) {
                case .build: return "build"
                case .ignored: return "ignored"
                case .redeliver: return "redeliver"
                }
            } catch {
                if case .unauthorized = error { return "unauthorized" }
                return "malformed"
            }
        case .config:
            return (try? ConfigLoader.parse(yaml: String(decoding: data, as: UTF8.self), file: "fuzz.yml")) == nil ? "refused" : "parsed"
        case .glob:
            guard let glob = try? Glob(String(decoding: data, as: UTF8.self)) else { return "refused" }
            _ = glob.matches("app/build/outputs/apk/release/app-release.apk")
            return "parsed"
        case .apkManifest:
            return (try? AndroidBinaryXML.manifest(from: data)) == nil ? "refused" : "parsed"
        case .headers:
            let text = String(decoding: data, as: UTF8.self)
            let parsed: [Any?] = [
                GooglePlayInternalSharing.persistedEnd(text), RetryPolicy.retryAfter(text),
                ListingHTTP.nextLink(text, sameOriginAs: "https://api.github.com"), ArtifactFetcher.suggestedFileName(text),
            ]
            return parsed.contains { $0 != nil } ? "parsed" : "refused"
        }
    }
}

/// How a fuzz input becomes a webhook: header lines, a blank line, the body; every request is
/// signed correctly for its body first, so the parsers behind the signature check are reached
/// (header lines in the input may then override anything, the signature included).
enum FuzzInput {
    static let secret = Secret("fuzz-secret-0123456789")
    static let standardSecret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func split(_ data: Data) -> ([String: String], Data) {
        guard let separator = data.firstRange(of: Data("\n\n".utf8)) else { return ([:], data) }
        var headers: [String: String] = [:]
        for line in String(decoding: data[..<separator.lowerBound], as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] =
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return (headers, Data(data[separator.upperBound...]))
    }

    static func adapter(for target: FuzzTarget) -> any WebhookAdapter {
        switch target {
        case .github: GitHubWorkflowRunAdapter(secret: secret)
        case .gitlab: GitLabPipelineAdapter(webhookToken: secret)
        case .bitrise: BitriseBuildAdapter(secret: secret)
        case .buildkite: BuildkiteBuildAdapter(token: secret)
        case .circleci: CircleCIWorkflowAdapter(secret: secret)
        default: GenericWebhookAdapter(secret: standardSecret)
        }
    }

    static func signedHeaders(for target: FuzzTarget, body: Data) -> [String: String] {
        switch target {
        case .github:
            ["X-GitHub-Event": "workflow_run", "X-GitHub-Delivery": "fuzz",
             "X-Hub-Signature-256": WebhookSignature.gitHubSignature(body: body, secret: secret)]
        case .gitlab: ["X-Gitlab-Event": "Pipeline Hook", "X-Gitlab-Token": secret.revealed, "Idempotency-Key": "fuzz"]
        case .bitrise: ["Bitrise-Event-Type": "build/finished", "X-Slipway-Token": secret.revealed]
        case .buildkite: ["X-Buildkite-Event": "build.finished", "X-Buildkite-Token": secret.revealed]
        case .circleci:
            ["circleci-event-type": "workflow-completed", "circleci-signature": "v1=" + WebhookSignature.hexHMAC(body, secret: secret)]
        default:
            ["webhook-id": "fuzz", "webhook-timestamp": "1700000000",
             "webhook-signature": WebhookSignature.standardWebhookSignature(id: "fuzz", timestamp: 1_700_000_000, body: body, secret: standardSecret)]
        }
    }
}


extension FuzzTarget {
    /// Starting inputs in the shapes the senders really use (the fakes build the same payloads the
    /// tests send; the others follow the payloads documented in the CI's docs), written to the corpus
    /// by `scripts/fuzz` and replayed by the test suite.
    package var seeds: [Data] {
        func joined(_ body: Data, headers: [String: String] = [:]) -> Data {
            Data(headers.map { "\($0): \($1)" }.sorted().joined(separator: "\n").utf8) + Data("\n\n".utf8) + body
        }
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        switch self {
        case .github:
            return [false, true].map { pr in
                joined(FakeWorkflowRun(
                    id: 30433642, repository: "acme/app", event: pr ? "pull_request" : "push", pullRequests: pr ? [42] : [],
                    createdAt: date, updatedAt: date
                ).webhookBody)
            }
        case .gitlab:
            return [nil, 7].map { joined(FakeGitLabHook.pipeline(token: nil, idempotencyKey: "seed", mergeRequestIID: $0).body) }
        case .bitrise:
            return [0, 32].map { joined(FakeBitriseHook.buildFinished(secret: nil, pullRequestID: $0).body) }
        case .buildkite:
            return [joined(Data(#"""
                {"event":"build.finished","build":{"id":"f62a1b4d-10f9-4790-bc1c-e2c3a0c80983","number":2,"state":"passed",
                "blocked":false,"commit":"abcd0b72a1e580e90712cdd9eb26d3fb41cd09c8","branch":"main","tag":null,"source":"webhook",
                "web_url":"https://buildkite.com/my-org/my-pipeline/builds/2","message":"Fix login",
                "pull_request":{"id":"123","base":"main","repository":"https://github.com/my-org/my-app.git"},
                "finished_at":"2015-05-09T21:08:59.874Z"},
                "pipeline":{"slug":"my-pipeline","repository":"git@github.com:my-org/my-app","provider":{"id":"github"}},
                "organization":{"slug":"my-org"}}
                """#.utf8))]
        case .circleci:
            return [joined(Data(#"""
                {"id":"3888f21b-eaa7-38e3-8f3d-75a63bba8895","type":"workflow-completed","happened_at":"2021-09-01T22:49:34.317Z",
                "project":{"id":"84996744","name":"webhook-service","slug":"github/circleci/webhook-service"},
                "workflow":{"id":"fda08377","name":"build-test-deploy","status":"success",
                "url":"https://app.circleci.com/pipelines/github/circleci/webhook-service/130/workflows/fda08377"},
                "pipeline":{"id":"1285fe1d","number":130,"vcs":{"provider_name":"github",
                "target_repository_url":"https://github.com/circleci/webhook-service",
                "origin_repository_url":"https://github.com/circleci/webhook-service",
                "revision":"1dc6aa69429bff4806ad6afe58d3d8f57e25973e","branch":"main"}}}
                """#.utf8))]
        case .generic:
            return [joined(Data(#"""
                {"type":"build.finished","data":{"repository":"acme/app","branch":"main","sha":"aaaabbbbccccddddeeeeffff0000111122223333",
                "event":"pull_request","pr":12,"status":"success","run_id":"123","run_url":"https://ci.example.com/123",
                "artifact_url":"https://ci.example.com/123/app-release.apk","artifact_sha256":"\#(String(repeating: "ab", count: 32))",
                "commit_message":"Fix login","commit_timestamp":"2026-11-22T10:00:00Z"}}
                """#.utf8))]
        case .config:
            return [Data("""
                version: 1
                server:
                  database: sqlite:slipway.db
                  reconcile: {interval_seconds: 300}
                sources:
                  github: {webhook_secret: "${GITHUB_WEBHOOK_SECRET}", token: "${GITHUB_TOKEN}"}
                stores:
                  play: {type: google-play, package_name: com.acme.app, service_account: "file:play.json"}
                rules:
                  - name: main
                    repo: acme/*
                    branches: [main, "release/**"]
                    events: [push]
                    artifact: "**/*-release.{apk,aab}"
                    stores: [play]
                """.utf8)]
        case .glob:
            return ["**/*-release.apk", "app-{debug,release}/**/*.{apk,aab}", "release/[0-9]*", "a?b/**"].map { Data($0.utf8) }
        case .apkManifest:
            return [
                FakeAndroidManifest.binaryXML(packageName: "com.acme.app", versionCode: 42, versionName: "1.4.2"),
                FakeAndroidManifest.binaryXML(packageName: "com.acme.ü", versionCode: nil, versionName: nil, utf8: false),
            ]
        case .headers:
            return ["bytes=0-8388607", "120", "<https://api.github.com/repos/a/b/actions/runs?page=2>; rel=\"next\"",
                    "attachment; filename*=UTF-8''app%20release.apk; filename=\"app.apk\""].map { Data($0.utf8) }
        }
    }
}
