import Yams

/// `notifications:`: a name per report target, its `type:` deciding which keys it takes.
extension ConfigLoader {
    static func readNotifications(_ node: Node, reader: inout YAMLNodeReader) -> [NotificationDefinition] {
        guard case .mapping(let mapping) = node else {
            reader.error(node, "notifications must be a mapping from a name to its settings")
            return []
        }
        var result: [NotificationDefinition] = []
        for (key, value) in mapping {
            guard let name = reader.string(key, "a notification name") else { continue }
            let what = "notification \"\(name)\""
            guard isValidName(name) else {
                reader.error(key, "notification name \"\(name)\" may only use letters, digits, \"-\" and \"_\"")
                continue
            }
            if result.contains(where: { $0.name == name }) {
                reader.error(key, "\(what) is declared twice")
                continue
            }
            guard case .mapping(let fieldsMapping) = value, let typeNode = fieldsMapping["type"],
                let typeName = reader.string(typeNode, "\(what) type")
            else {
                reader.error(key, "\(what) needs \"type:\"; known types: \(NotificationType.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            guard let type = NotificationType(rawValue: typeName) else {
                reader.error(
                    typeNode,
                    "unknown notification type \"\(typeName)\" for \(what); known types: \(NotificationType.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            switch type {
            case .github:
                guard
                    let fields = reader.entries(
                        value, in: what, allowed: ConfigKeys.githubNotification)
                else { continue }
                var settings = GitHubNotificationSettings()
                if let n = fields["commit_status"]?.value, let v = reader.bool(n, "\(what) commit_status") {
                    settings.commitStatus = v
                }
                if let n = fields["pr_comment"]?.value, let v = reader.bool(n, "\(what) pr_comment") {
                    settings.pullRequestComment = v
                }
                if let n = fields["status_context"]?.value, let v = reader.string(n, "\(what) status_context") {
                    settings.statusContext = v
                }
                if let n = fields["template"]?.value, let v = reader.string(n, "\(what) template") {
                    settings.commentTemplate = v
                }
                result.append(NotificationDefinition(name: name, line: key.mark?.line ?? 1, settings: .github(settings)))
            case .gitlab, .slack, .teams, .discord:
                let settings: NotificationSettings? =
                    switch type {
                    case .gitlab: readGitLabNotification(what: what, node: value, reader: &reader)
                    case .slack: readSlackNotification(what: what, node: value, reader: &reader)
                    case .teams: readTeamsNotification(what: what, node: value, reader: &reader)
                    default: readDiscordNotification(what: what, node: value, reader: &reader)
                    }
                if let settings {
                    result.append(NotificationDefinition(name: name, line: key.mark?.line ?? 1, settings: settings))
                }
            }
        }
        return result
    }
}
