import Yams

extension ConfigLoader {
    /// Reads `sources: circleci:`; `webhook_secret` and `token` are required.
    static func readCircleCISource(_ node: Node, reader: inout YAMLNodeReader) -> CircleCISource? {
        let what = "sources.circleci"
        guard
            let fields = reader.entries(node, in: what, allowed: ConfigKeys.circleci)
        else { return nil }
        let secret = require(fields, "webhook_secret", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).webhook_secret") }
        let token = require(fields, "token", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).token") }
        guard let secret, let token else { return nil }
        var source = CircleCISource(webhookSecret: secret, token: token)
        var valid = true
        if let n = fields["api_url"]?.value {
            if let v = reader.url(n, "\(what).api_url") { source.apiURL = v } else { valid = false }
        }
        if let n = fields["artifact_hosts"]?.value {
            if let v = reader.stringList(n, "\(what).artifact_hosts") {
                source.artifactHosts = v.map { $0.0.lowercased() }
            } else {
                valid = false
            }
        }
        if let n = fields["projects"]?.value {
            if let v = reader.stringList(n, "\(what).projects") {
                for (slug, item) in v where slug.split(separator: "/").count != 3 {
                    reader.error(item, "\(what).projects entry \"\(slug)\" is not a project slug; write VCS/ORG/REPO, like gh/acme/app")
                    valid = false
                }
                source.projects = v.map(\.0)
            } else {
                valid = false
            }
        }
        return valid ? source : nil
    }
}
