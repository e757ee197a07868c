/// The pieces `slipway init` puts together: one section per CI, store and chat, each a commented
/// YAML snippet whose secrets are `${ENV}` references, with the steps that wire the CI to Slipway.
enum StarterConfig {
    enum CI: String, CaseIterable {
        case github, gitlab, bitrise, buildkite, circleci, generic
    }

    enum Store: String, CaseIterable {
        case play, applivery, productScience = "product-science", ignite, amazon
    }

    enum Chat: String, CaseIterable {
        case slack, teams, discord
    }

    static func source(_ ci: CI) -> String {
        switch ci {
        case .github:
            """
              github:
                webhook_secret: ${GITHUB_WEBHOOK_SECRET}   # the secret you set on the webhook
                token: ${GITHUB_TOKEN}                     # Actions: read, Commit statuses: write, Pull requests: write
                # api_url: https://github.example.com/api/v3   # GitHub Enterprise Server
            """
        case .gitlab:
            """
              gitlab:
                webhook_token: ${GITLAB_WEBHOOK_TOKEN}     # the hook's "Secret token"
                token: ${GITLAB_TOKEN}                     # read_api and api, Reporter on the project
                # api_url: https://gitlab.example.com/api/v4   # self-managed; default https://gitlab.com/api/v4
            """
        case .bitrise:
            """
              bitrise:
                webhook_secret: ${BITRISE_WEBHOOK_SECRET}  # sent by Bitrise in the X-Slipway-Token header
                token: ${BITRISE_TOKEN}                    # personal access token
                apps:                                      # app slug → the repository your rules name
                  YOUR_APP_SLUG: acme/android-app
            """
        case .buildkite:
            """
              buildkite:
                webhook_token: ${BUILDKITE_WEBHOOK_TOKEN}  # the notification service's token
                token: ${BUILDKITE_TOKEN}                  # API access token with read_artifacts
            """
        case .circleci:
            """
              circleci:
                webhook_secret: ${CIRCLECI_WEBHOOK_SECRET} # the webhook's "Secret"
                token: ${CIRCLECI_TOKEN}                   # personal API token
            """
        case .generic:
            """
              generic:
                secret: ${SLIPWAY_GENERIC_SECRET}          # whsec_<base64>: Standard Webhooks signing
                # allowed_artifact_hosts: [artifacts.example.com]
            """
        }
    }

    static func store(_ store: Store) -> String {
        switch store {
        case .play:
            """
              play:
                type: google-play
                package_name: com.example.app              # must exist in the Play Console
                service_account: file:/etc/slipway/play-service-account.json
            """
        case .applivery:
            """
              applivery:
                type: applivery
                app_token: ${APPLIVERY_APP_TOKEN}          # Settings → Integrations
                organization: example                      # your workspace slug
            """
        case .productScience:
            """
              product-science:
                type: build-uploads
                token: ${PRODUCTSCIENCE_TOKEN}
                project: example-android
            """
        case .ignite:
            """
              ignite:
                type: ignite
                client_id: 00000000-0000-0000-0000-000000000000   # from DT: an identifier, not a secret
                client_secret: ${DT_CLIENT_SECRET}
                package_name: com.example.app              # must match the APK's manifest
                fallback_url: https://downloads.example.com/{branch}/{short_sha}/app.apk
                segments: [00000000-0000-0000-0000-000000000000]
                store_metadata:
                  category: Productivity
                  short_description: What the app does
                  icon_url: https://example.com/icon.png
                  developer: Example Inc.
                  email: apps@example.com
                  website_url: https://example.com
                  market_url: https://play.google.com/store/apps/details?id=com.example.app
                  privacy_policy_url: https://example.com/privacy
            """
        case .amazon:
            """
              amazon:
                type: amazon-appstore
                app_id: amzn1.devportal.mobileapp.0000000000000000
                client_id: ${AMAZON_CLIENT_ID}             # a security profile's client id
                client_secret: ${AMAZON_CLIENT_SECRET}
            """
        }
    }

    static func chat(_ chat: Chat) -> String {
        switch chat {
        case .slack:
            """
              team-chat:
                type: slack
                token: ${SLACK_BOT_TOKEN}                  # xoxb-…, chat:write; one message per build, edited in place
                channel: C0123ABCD
            """
        case .teams:
            """
              team-chat:
                type: teams
                webhook_url: ${TEAMS_WORKFLOW_URL}         # Workflows: "when a webhook request is received"
            """
        case .discord:
            """
              team-chat:
                type: discord
                webhook_url: ${DISCORD_WEBHOOK_URL}
            """
        }
    }

    /// The CI's own report target, when it has one (commit statuses and one PR/MR comment).
    static func ciNotification(_ ci: CI) -> String? {
        switch ci {
        case .github: "  github:\n    type: github"
        case .gitlab: "  gitlab:\n    type: gitlab\n    token: ${GITLAB_TOKEN}"
        default: nil
        }
    }

    /// How to point the CI at Slipway, step by step.
    static func wiring(_ ci: CI, publicURL: String) -> [String] {
        let hook = "\(publicURL)/webhooks/\(ci.rawValue)"
        switch ci {
        case .github:
            return [
                "Repository (or organisation) → Settings → Webhooks → Add webhook: payload URL \(hook), content type application/json, the secret GITHUB_WEBHOOK_SECRET, and \"Let me select individual events\" → Workflow runs only.",
                "Upload the APK/AAB in the workflow with actions/upload-artifact; the rule's artifact: glob matches <artifact name>/<path in it>.",
            ]
        case .gitlab:
            return [
                "Project → Settings → Webhooks → Add: URL \(hook), Secret token = GITLAB_WEBHOOK_TOKEN, trigger Pipeline events only.",
                "Keep the APK/AAB as job artifacts (artifacts: paths:); the rule's artifact: glob matches JOB/PATH.",
            ]
        case .bitrise:
            return [
                "App → Settings → Integrations → Outgoing webhooks: URL \(hook), event Build finished, custom header X-Slipway-Token: <BITRISE_WEBHOOK_SECRET>.",
                "Replace YOUR_APP_SLUG under sources.bitrise.apps with the app's slug; deploy the APK/AAB as a build artifact.",
            ]
        case .buildkite:
            return [
                "Organization → Settings → Notification Services → Webhook: URL \(hook), the token BUILDKITE_WEBHOOK_TOKEN (\"Send as X-Buildkite-Signature\" is best), event build.finished.",
                "Upload the APK/AAB with buildkite-agent artifact upload; the rule's artifact: glob matches its path.",
            ]
        case .circleci:
            return [
                "Project Settings → Webhooks → Add: URL \(hook), the secret CIRCLECI_WEBHOOK_SECRET, event Workflow Completed.",
                "Keep the APK/AAB with store_artifacts; the rule's artifact: glob matches JOB/PATH.",
            ]
        case .generic:
            return [
                "At the end of the build, POST {\"type\":\"build.finished\",\"data\":{repository, branch, sha, run_id, artifact_url}} to \(hook), signed the Standard Webhooks way with SLIPWAY_GENERIC_SECRET (README: \"The generic hook\" has a curl example).",
            ]
        }
    }
}
