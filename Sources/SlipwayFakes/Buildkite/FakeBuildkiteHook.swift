import Crypto
package import Foundation

/// Buildkite webhook deliveries (`build_events.md` shape), authenticated either way Buildkite does.
package enum FakeBuildkiteHook {
    package enum Authentication: Sendable {
        /// `X-Buildkite-Token: <token>`.
        case token(String)
        /// `X-Buildkite-Signature: timestamp=T,signature=<hex HMAC-SHA256("T.body")>` keyed by the token.
        case signature(token: String, timestamp: Int64)
        case none
    }

    package static func buildFinished(
        _ authentication: Authentication, event: String = "build.finished", state: String = "passed", blocked: Bool = false,
        id: String = "f62a1b4d-10f9-4790-bc1c-e2c3a0c80983", number: Int = 2, organization: String = "my-org",
        pipeline: String = "my-pipeline", branch: String = "main", commit: String = "abcd0b72a1e580e90712cdd9eb26d3fb41cd09c8",
        pullRequestID: String? = nil
    ) -> (headers: [String: String], body: Data) {
        let object: [String: Any] = [
            "event": event,
            "build": [
                "id": id, "number": number, "state": state, "blocked": blocked, "commit": commit, "branch": branch,
                "tag": NSNull(), "source": "webhook", "message": "Ship it",
                "url": "https://api.buildkite.com/v2/organizations/\(organization)/pipelines/\(pipeline)/builds/\(number)",
                "web_url": "https://buildkite.com/\(organization)/\(pipeline)/builds/\(number)",
                "pull_request": pullRequestID.map { ["id": $0, "base": "main", "repository": "https://github.com/my-org/my-app.git"] as Any } ?? NSNull(),
                "finished_at": "2015-05-09T21:08:59.874Z",
            ] as [String: Any],
            "pipeline": [
                "slug": pipeline, "repository": "git@github.com:my-org/my-app",
                "url": "https://api.buildkite.com/v2/organizations/\(organization)/pipelines/\(pipeline)",
                "provider": ["id": "github"],
            ] as [String: Any],
            "sender": ["id": "8a7693f8", "name": "Some Person"],
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = ["X-Buildkite-Event": event, "Content-Type": "application/json"]
        switch authentication {
        case .token(let token):
            headers["X-Buildkite-Token"] = token
        case .signature(let token, let timestamp):
            headers["X-Buildkite-Signature"] = "timestamp=\(timestamp),signature=\(signature(body: body, token: token, timestamp: timestamp))"
        case .none:
            break
        }
        return (headers, body)
    }

    /// Hex HMAC-SHA256 of `"timestamp.body"` keyed by the token (Buildkite's documented algorithm).
    package static func signature(body: Data, token: String, timestamp: Int64) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(token.utf8)))
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }
}
