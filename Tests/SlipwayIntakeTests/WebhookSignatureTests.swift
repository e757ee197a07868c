import Foundation
import Testing

@testable import SlipwayCore
@testable import SlipwayIntake

@Suite("Webhook signatures")
struct WebhookSignatureTests {
    @Test func gitHubPublishedTestVectorVerifies() throws {
        // From GitHub's "Validating webhook deliveries" documentation.
        let secret = Secret("It's a Secret to Everybody")
        let body = Data("Hello, World!".utf8)
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(WebhookSignature.gitHubSignature(body: body, secret: secret) == header)
        try WebhookSignature.verifyGitHub(header: header, body: body, secret: secret)
    }

    @Test func gitHubRejectsMissingMalformedAndWrongSignatures() {
        let secret = Secret("s")
        let body = Data("{}".utf8)
        for header in [nil, "", "sha1=abc", "sha256=zz", "sha256=" + String(repeating: "0", count: 64)] {
            #expect(throws: WebhookError.self) {
                try WebhookSignature.verifyGitHub(header: header, body: body, secret: secret)
            }
        }
        let good = WebhookSignature.gitHubSignature(body: body, secret: secret)
        #expect(throws: WebhookError.self) {
            try WebhookSignature.verifyGitHub(header: good, body: Data("{ }".utf8), secret: secret)
        }
    }

    @Test func standardWebhooksPublishedTestVectorVerifies() throws {
        // From the Standard Webhooks specification.
        let secret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        #expect(
            WebhookSignature.standardWebhookSignature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, secret: secret)
                == expected)
        try WebhookSignature.verifyStandardWebhook(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330", signatures: "v1a,xyz " + expected, body: body,
            secret: secret, tolerance: 300, now: Date(timeIntervalSince1970: 1_614_265_400))
    }

    @Test func standardWebhooksRejectsReplaysOutsideTheWindow() {
        let secret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Data("{}".utf8)
        let signature = WebhookSignature.standardWebhookSignature(id: "m1", timestamp: 1_000_000, body: body, secret: secret)
        #expect(throws: WebhookError.self) {
            try WebhookSignature.verifyStandardWebhook(
                id: "m1", timestamp: "1000000", signatures: signature, body: body, secret: secret, tolerance: 300,
                now: Date(timeIntervalSince1970: 1_000_301))
        }
        #expect(throws: WebhookError.self) {
            try WebhookSignature.verifyStandardWebhook(
                id: "m2", timestamp: "1000000", signatures: signature, body: body, secret: secret, tolerance: 300,
                now: Date(timeIntervalSince1970: 1_000_000))
        }
    }
}

@Suite("Webhook adapters")
struct WebhookAdapterTests {
    static func workflowRun(action: String = "completed", conclusion: String = "success", event: String = "pull_request") -> Data {
        Data(
            """
            {"action":"\(action)","workflow_run":{"id":289782451,"name":"build","run_number":163,"run_attempt":2,
             "event":"\(event)","status":"completed","conclusion":"\(conclusion)","head_branch":"feature/x",
             "head_sha":"3484a3fb816e0859fd6e1cea078d76385ff50625",
             "html_url":"https://github.com/octo-org/octo-repo/actions/runs/289782451",
             "pull_requests":[{"number":9,"base":{"ref":"main","repo":{"id":1}}},
                              {"number":2,"base":{"ref":"master","repo":{"id":300029405}}}],
             "head_commit":{"message":"Fix the thing","timestamp":"2026-11-20T10:00:00Z"}},
             "repository":{"id":300029405,"full_name":"octo-org/octo-repo"}}
            """.utf8)
    }

    func request(_ body: Data, event: String = "workflow_run", secret: Secret) -> WebhookRequest {
        WebhookRequest(
            headers: [
                "X-GitHub-Event": event, "X-GitHub-Delivery": "d-1",
                "X-Hub-Signature-256": WebhookSignature.gitHubSignature(body: body, secret: secret),
            ], body: body)
    }

    @Test func gitHubCompletedRunBecomesABuildEvent() throws {
        let secret = Secret("s")
        let adapter = GitHubWorkflowRunAdapter(secret: secret)
        let intake = try adapter.receive(request(Self.workflowRun(), secret: secret), now: Date())
        guard case .build(let id, let event) = intake else {
            Issue.record("expected a build, got \(intake)")
            return
        }
        #expect(id == "d-1")
        #expect(event.repository == "octo-org/octo-repo")
        #expect(event.trigger == .pullRequest)
        #expect(event.pullRequest == 2, "the PR of another repository must be skipped")
        #expect(event.branch == "feature/x")
        #expect(event.attempt == 2)
        #expect(event.buildKey == "github:octo-org/octo-repo#289782451.2")
        #expect(event.artifactSource == .githubRun(repository: "octo-org/octo-repo", runID: 289_782_451))
        #expect(event.commitMessage == "Fix the thing")
    }

    @Test func gitHubNonFinalActionsAndOtherEventsAreIgnored() throws {
        let secret = Secret("s")
        let adapter = GitHubWorkflowRunAdapter(secret: secret)
        #expect(
            try adapter.receive(request(Self.workflowRun(action: "in_progress"), secret: secret), now: Date())
                == .ignored(deliveryID: "d-1", reason: "workflow_run action in_progress is not final; waiting for completed"))
        if case .build = try adapter.receive(request(Data("{}".utf8), event: "ping", secret: secret), now: Date()) {
            Issue.record("ping must be ignored")
        }
    }

    @Test func gitHubMalformedBodySaysWhatIsMissing() {
        let secret = Secret("s")
        let adapter = GitHubWorkflowRunAdapter(secret: secret)
        let body = Data(#"{"action":"completed","repository":{"full_name":"a/b"}}"#.utf8)
        #expect(throws: WebhookError.malformed("workflow_run body is not the JSON GitHub sends: missing field workflow_run")) {
            try adapter.receive(request(body, secret: secret), now: Date())
        }
    }

    @Test func genericHookBecomesABuildEvent() throws {
        let secret = Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let body = Data(
            #"{"type":"build.finished","data":{"repository":"acme/app","branch":"main","sha":"abc","run_id":"77","artifact_url":"https://ci.example/app.apk?token=x"}}"#.utf8)
        let now = Date()
        let ts = Int64(now.timeIntervalSince1970)
        let request = WebhookRequest(
            headers: [
                "webhook-id": "msg_1", "webhook-timestamp": String(ts),
                "webhook-signature": WebhookSignature.standardWebhookSignature(id: "msg_1", timestamp: ts, body: body, secret: secret),
            ], body: body)
        let adapter = GenericWebhookAdapter(secret: secret, allowedArtifactHosts: ["ci.example"])
        guard case .build(let id, let event) = try adapter.receive(request, now: now) else {
            Issue.record("expected a build")
            return
        }
        #expect(id == "msg_1")
        #expect(event.trigger == .push)
        #expect(event.conclusion == .success)
        #expect(event.buildKey == "generic:acme/app#77.1")

        let strict = GenericWebhookAdapter(secret: secret, allowedArtifactHosts: ["artifacts.internal"])
        #expect(throws: WebhookError.self) { try strict.receive(request, now: now) }
    }
}
