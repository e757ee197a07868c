import Yams

extension ConfigLoader {
    /// Reads `sources: gitlab:`; `webhook_token` and `token` are required.
    static func readGitLabSource(_ node: Node, reader: inout YAMLNodeReader) -> GitLabSource? {
        let what = "sources.gitlab"
        guard
            let fields = reader.entries(
                node, in: what, allowed: ConfigKeys.gitlab)
        else { return nil }
        let webhookToken = require(fields, "webhook_token", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).webhook_token") }
        let token = require(fields, "token", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).token") }
        guard let webhookToken, let token else { return nil }
        var source = GitLabSource(webhookToken: webhookToken, token: token)
        var valid = true
        if let n = fields["signing_token"]?.value {
            if let v = reader.secretReference(n, "\(what).signing_token") { source.signingToken = v } else { valid = false }
        }
        if let n = fields["api_url"]?.value {
            if let v = reader.url(n, "\(what).api_url") {
                if v.hasSuffix("/api/v4") {
                    source.apiURL = v
                } else {
                    reader.error(n, "\(what).api_url must end in /api/v4, e.g. https://gitlab.example.com/api/v4")
                    valid = false
                }
            } else {
                valid = false
            }
        }
        if let n = fields["tolerance_seconds"]?.value {
            if let v = reader.int(n, "\(what).tolerance_seconds", range: 1...3600) { source.toleranceSeconds = v } else { valid = false }
        }
        return valid ? source : nil
    }
}
