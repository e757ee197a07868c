import Yams

extension ConfigLoader {
    /// Reads `sources: buildkite:`; `webhook_token` and `token` are required.
    static func readBuildkiteSource(_ node: Node, reader: inout YAMLNodeReader) -> BuildkiteSource? {
        let what = "sources.buildkite"
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.buildkite)
        else { return nil }
        let webhookToken = require(fields, "webhook_token", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).webhook_token") }
        let token = require(fields, "token", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).token") }
        guard let webhookToken, let token else { return nil }
        var source = BuildkiteSource(webhookToken: webhookToken, token: token)
        var valid = true
        if let n = fields["api_url"]?.value {
            if let v = reader.url(n, "\(what).api_url") { source.apiURL = v } else { valid = false }
        }
        if let n = fields["tolerance_seconds"]?.value {
            if let v = reader.int(n, "\(what).tolerance_seconds", range: 1...3600) { source.toleranceSeconds = v } else { valid = false }
        }
        return valid ? source : nil
    }
}
