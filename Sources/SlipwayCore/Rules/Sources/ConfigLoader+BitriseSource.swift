import Yams

extension ConfigLoader {
    /// Reads `sources: bitrise:`; `webhook_secret` and `token` are required, `apps` maps app slugs
    /// to the repository names rules match on.
    static func readBitriseSource(_ node: Node, reader: inout YAMLNodeReader) -> BitriseSource? {
        let what = "sources.bitrise"
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.bitrise)
        else { return nil }
        let secret = require(fields, "webhook_secret", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).webhook_secret") }
        let token = require(fields, "token", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what).token") }
        guard let secret, let token else { return nil }
        var source = BitriseSource(webhookSecret: secret, token: token)
        var valid = true
        if let n = fields["api_url"]?.value {
            if let v = reader.url(n, "\(what).api_url") { source.apiURL = v } else { valid = false }
        }
        if let n = fields["app_url"]?.value {
            if let v = reader.url(n, "\(what).app_url") { source.appURL = v } else { valid = false }
        }
        if let n = fields["apps"]?.value {
            guard case .mapping(let mapping) = n else {
                reader.error(n, "\(what).apps must map an app slug to a repository, e.g. 9a1b2c3d4e5f6a7b: acme/app")
                return nil
            }
            for (key, value) in mapping {
                guard let slug = reader.string(key, "an app slug in \(what).apps"),
                    let repository = reader.string(value, "\(what).apps.\(slug)")
                else {
                    valid = false
                    continue
                }
                source.apps[slug] = repository
            }
        }
        return valid ? source : nil
    }
}
