import Yams

extension ConfigLoader {
    /// `sources.github.token` or `sources.github.app` — exactly one.
    static func readGitHubCredentials(
        _ fields: [String: (key: Node, value: Node)], at node: Node, reader: inout YAMLNodeReader
    ) -> (token: SecretReference?, app: GitHubAppSettings?)? {
        switch (fields["token"], fields["app"]) {
        case (nil, nil):
            reader.error(
                node,
                "sources.github needs \"token:\" (a personal or fine-grained token) or \"app:\" (app_id and private_key of a GitHub App)")
            return nil
        case (.some, .some):
            reader.error(fields["app"]!.key, "sources.github has both \"token:\" and \"app:\"; keep one (an App is how organisations run bots)")
            return nil
        case (let token?, nil):
            return reader.secretReference(token.value, "sources.github.token").map { ($0, nil) }
        case (nil, let app?):
            guard let appFields = reader.entries(app.value, in: "sources.github.app", allowed: ConfigKeys.githubApp) else { return nil }
            let id = require(appFields, "app_id", in: "sources.github.app", at: app.value, reader: &reader)
                .flatMap { reader.int($0, "sources.github.app.app_id", range: 1...Int(Int32.max)) }
            let key = require(appFields, "private_key", in: "sources.github.app", at: app.value, reader: &reader)
                .flatMap { reader.secretReference($0, "sources.github.app.private_key") }
            guard let id, let key else { return nil }
            var settings = GitHubAppSettings(appID: id, privateKey: key)
            if let n = appFields["installation_id"]?.value {
                guard let v = reader.int(n, "sources.github.app.installation_id", range: 1...Int.max) else { return nil }
                settings.installationID = Int64(v)
            }
            return (nil, settings)
        }
    }
}
