import Yams

extension ConfigLoader {

    /// A `gitlab` notification: `token` (a secret reference) is required.
    static func readGitLabNotification(what: String, node: Node, reader: inout YAMLNodeReader) -> NotificationSettings? {
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.gitlabNotification) else { return nil }
        guard
            let token = require(fields, "token", in: what, at: node, reader: &reader)
                .flatMap({ reader.secretReference($0, "\(what) token") })
        else { return nil }
        var settings = GitLabNotificationSettings(token: token)
        var valid = true
        if let n = fields["api_url"]?.value {
            if let v = reader.url(n, "\(what) api_url") { settings.apiURL = v } else { valid = false }
        }
        if let n = fields["project"]?.value {
            if let v = reader.string(n, "\(what) project") { settings.project = v } else { valid = false }
        }
        if let n = fields["commit_status"]?.value, let v = reader.bool(n, "\(what) commit_status") { settings.commitStatus = v }
        if let n = fields["mr_note"]?.value, let v = reader.bool(n, "\(what) mr_note") { settings.mergeRequestNote = v }
        if let n = fields["status_name"]?.value {
            if let v = reader.string(n, "\(what) status_name") { settings.statusName = v } else { valid = false }
        }
        if let n = fields["template"]?.value {
            if let v = readTemplateName(n, what: what, reader: &reader) { settings.template = v } else { valid = false }
        }
        return valid ? .gitlab(settings) : nil
    }

    /// A `slack` notification: either `webhook_url`, or `token` with `channel` — not both.
    static func readSlackNotification(what: String, node: Node, reader: inout YAMLNodeReader) -> NotificationSettings? {
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.slackNotification) else { return nil }
        let delivery: SlackNotificationSettings.Delivery
        switch (fields["webhook_url"], fields["token"]) {
        case (let webhook?, nil):
            if let channel = fields["channel"] {
                reader.error(
                    channel.key,
                    "\(what) channel only applies with a bot token; an incoming webhook always posts to the channel it was made for")
                return nil
            }
            guard let url = reader.secretReference(webhook.value, "\(what) webhook_url") else { return nil }
            delivery = .webhook(url: url)
        case (nil, let token?):
            guard let reference = reader.secretReference(token.value, "\(what) token") else { return nil }
            guard let channelNode = fields["channel"]?.value else {
                reader.error(token.key, "\(what) has a bot token but no \"channel:\"; write the channel id, e.g. C0123ABCD")
                return nil
            }
            guard let channel = reader.string(channelNode, "\(what) channel") else { return nil }
            delivery = .bot(token: reference, channel: channel)
        case (let webhook?, _?):
            reader.error(
                webhook.key,
                "\(what) has both webhook_url and token; keep token (and channel) to edit one message in place, or webhook_url to post once per final state")
            return nil
        case (nil, nil):
            reader.error(
                node,
                "\(what) needs webhook_url: ${SLACK_WEBHOOK_URL} (an incoming webhook) or token: ${SLACK_BOT_TOKEN} with channel: (a bot)")
            return nil
        }
        var settings = SlackNotificationSettings(delivery: delivery)
        var valid = true
        if let n = fields["api_url"]?.value {
            if let v = reader.url(n, "\(what) api_url") { settings.apiURL = v } else { valid = false }
        }
        if let n = fields["template"]?.value {
            if let v = readTemplateName(n, what: what, reader: &reader) { settings.template = v } else { valid = false }
        }
        return valid ? .slack(settings) : nil
    }

    /// A `teams` notification: `webhook_url` (a Workflows URL, as a secret reference) is required.
    static func readTeamsNotification(what: String, node: Node, reader: inout YAMLNodeReader) -> NotificationSettings? {
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.teamsNotification) else { return nil }
        guard
            let url = require(fields, "webhook_url", in: what, at: node, reader: &reader)
                .flatMap({ reader.secretReference($0, "\(what) webhook_url") })
        else { return nil }
        var settings = TeamsNotificationSettings(webhookURL: url)
        var valid = true
        if let n = fields["payload"]?.value, let v = reader.string(n, "\(what) payload") {
            if let payload = TeamsNotificationSettings.Payload(rawValue: v) {
                settings.payload = payload
            } else {
                reader.error(
                    n,
                    "\(what) payload must be message (the Workflows template's attachments[]) or card (a bare Adaptive Card), not \"\(v)\"")
                valid = false
            }
        }
        if let n = fields["template"]?.value {
            if let v = readTemplateName(n, what: what, reader: &reader) { settings.template = v } else { valid = false }
        }
        return valid ? .teams(settings) : nil
    }

    /// A `discord` notification: `webhook_url` (a secret reference: the token is in the URL) is required.
    static func readDiscordNotification(what: String, node: Node, reader: inout YAMLNodeReader) -> NotificationSettings? {
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.discordNotification) else { return nil }
        guard
            let url = require(fields, "webhook_url", in: what, at: node, reader: &reader)
                .flatMap({ reader.secretReference($0, "\(what) webhook_url") })
        else { return nil }
        var settings = DiscordNotificationSettings(webhookURL: url)
        var valid = true
        if let n = fields["username"]?.value {
            if let v = reader.string(n, "\(what) username") { settings.username = v } else { valid = false }
        }
        if let n = fields["template"]?.value {
            if let v = readTemplateName(n, what: what, reader: &reader) { settings.template = v } else { valid = false }
        }
        return valid ? .discord(settings) : nil
    }

    /// A template name as the templates folder knows it: the file name without `.mustache`.
    private static func readTemplateName(_ node: Node, what: String, reader: inout YAMLNodeReader) -> String? {
        guard let name = reader.string(node, "\(what) template") else { return nil }
        let bare = name.hasSuffix(".mustache") ? String(name.dropLast(".mustache".count)) : name
        guard !bare.isEmpty, !bare.hasPrefix("/"), !bare.contains("..") else {
            reader.error(node, "\(what) template must name a file in the templates folder, e.g. slack-message, not \"\(name)\"")
            return nil
        }
        return bare
    }
}
