import Foundation

extension ChaosWorld {
    /// Every PR build to all five stores; fast retries and polls so a run settles in minutes; the
    /// Amazon Edit is left open (`commit: false`), so every delivery adds its APK to the same Edit,
    /// as a team that submits from the console works.
    static func config(folder: URL, port: Int, urls u: [String: String]) -> String {
        """
        version: 1
        server:
          host: 127.0.0.1
          port: \(port)
          public_url: http://127.0.0.1:\(port)
          database: sqlite:\(folder.path)/slipway.db
          data_dir: \(folder.path)/artifacts
          access:
            api_tokens: ["${SLIPWAY_API_TOKEN}"]
          outbound:
            allow_private_networks: [127.0.0.0/8]
          polling:
            first_delay_seconds: 1
            max_delay_seconds: 2
            max_rounds: 60
          retry:
            max_attempts: 40
            first_delay_seconds: 1
            max_delay_seconds: 3
          reconcile:
            interval_seconds: 0
        sources:
          github:
            webhook_secret: ${GITHUB_WEBHOOK_SECRET}
            token: ${GITHUB_TOKEN}
            api_url: \(u["github"]!)
        stores:
        \(FakeStoresConfig.yaml(
            .init(
                play: u["play"]!, applivery: u["applivery"]!, productScience: u["product-science"]!, ignite: u["ignite"]!,
                amazon: u["amazon"]!),
            packageName: packageName, igniteClientID: igniteClientID, amazonAppID: amazonAppID,
            amazonExtra: "    apk_mode: add\n    validate: false\n    commit: false\n    release_notes: Chaos build\n"))
        notifications:
          github:
            type: github
          team-chat:
            type: slack
            token: ${SLACK_BOT_TOKEN}
            channel: C0RELEASES
            api_url: \(u["slack"]!)/api
        rules:
          - name: PR builds to every store
            repo: \(repository)
            events: [pull_request]
            artifact: "app-release/**/*.apk"
            stores: [play, applivery, product-science, ignite, amazon]

        """
    }
}
