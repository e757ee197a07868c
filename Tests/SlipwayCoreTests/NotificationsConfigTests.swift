import Testing

@testable import SlipwayCore

@Suite("GitLab, Slack, Teams and Discord notification config")
struct NotificationsConfigTests {
    func config(_ notifications: String) -> String {
        """
        version: 1
        stores:
          play:
            type: google-play
            package_name: com.example.app
            service_account: file:/etc/sa.json
        notifications:
        \(notifications.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
        rules:
          - name: release
            stores: [play]
        """
    }

    func diagnostics(_ notifications: String) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(yaml: config(notifications), file: "slipway.yml")
            Issue.record("expected the config to be refused")
            return []
        } catch {
            if case .invalid(let diagnostics) = error { return diagnostics }
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test func validBlocksOfEachTypeParse() throws {
        let loaded = try ConfigLoader.parse(
            yaml: config(
                """
                mr:
                  type: gitlab
                  token: ${GITLAB_TOKEN}
                  api_url: https://gitlab.example.com/api/v4
                  project: group/app
                  mr_note: false
                  status_name: ship
                slack-bot:
                  type: slack
                  token: ${SLACK_BOT_TOKEN}
                  channel: C0123
                slack-hook:
                  type: slack
                  webhook_url: ${SLACK_WEBHOOK_URL}
                  template: slack-short.mustache
                teams:
                  type: teams
                  webhook_url: file:secrets/teams-url
                  payload: card
                discord:
                  type: discord
                  webhook_url: ${DISCORD_WEBHOOK_URL}
                  username: Slipway
                """), file: "slipway.yml")
        var gitlab = GitLabNotificationSettings(token: .environment("GITLAB_TOKEN"))
        gitlab.apiURL = "https://gitlab.example.com/api/v4"
        gitlab.project = "group/app"
        gitlab.mergeRequestNote = false
        gitlab.statusName = "ship"
        #expect(loaded.notification(named: "mr")?.settings == .gitlab(gitlab))
        #expect(
            loaded.notification(named: "slack-bot")?.settings
                == .slack(.init(delivery: .bot(token: .environment("SLACK_BOT_TOKEN"), channel: "C0123"))))
        var hook = SlackNotificationSettings(delivery: .webhook(url: .environment("SLACK_WEBHOOK_URL")))
        hook.template = "slack-short"
        #expect(loaded.notification(named: "slack-hook")?.settings == .slack(hook))
        var teams = TeamsNotificationSettings(webhookURL: .file("secrets/teams-url"))
        teams.payload = .card
        #expect(loaded.notification(named: "teams")?.settings == .teams(teams))
        var discord = DiscordNotificationSettings(webhookURL: .environment("DISCORD_WEBHOOK_URL"))
        discord.username = "Slipway"
        #expect(loaded.notification(named: "discord")?.settings == .discord(discord))
    }

    @Test func anInlineWebhookURLIsRefusedWithItsLine() {
        let found = diagnostics(
            """
            chat:
              type: discord
              webhook_url: https://discord.com/api/webhooks/1/secret
            """)
        #expect(found.count == 1)
        #expect(found.first?.line == 10)
        #expect(found.first?.message.contains("must refer to a secret") == true)
    }

    @Test func slackNeedsExactlyOneWayToPost() {
        let both = diagnostics(
            """
            chat:
              type: slack
              webhook_url: ${A}
              token: ${B}
            """)
        #expect(both.first?.message.contains("both webhook_url and token") == true)
        let noChannel = diagnostics(
            """
            chat:
              type: slack
              token: ${B}
            """)
        #expect(noChannel.first?.message.contains("no \"channel:\"") == true)
        #expect(noChannel.first?.line == 10)
    }

    @Test func anUnknownTeamsPayloadIsRefused() {
        let found = diagnostics(
            """
            chat:
              type: teams
              webhook_url: ${T}
              payload: connector
            """)
        #expect(found.first?.message.contains("payload must be message") == true)
        #expect(found.first?.line == 11)
    }
}
