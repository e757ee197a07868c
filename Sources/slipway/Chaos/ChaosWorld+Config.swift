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
          play:
            type: google-play
            package_name: \(packageName)
            service_account: file:play-key.json
            api_url: \(u["play"]!)
          applivery:
            type: applivery
            app_token: ${APPLIVERY_APP_TOKEN}
            organization: acme
            upload_url: \(u["applivery"]!)/upload
            api_url: \(u["applivery"]!)/api
            download_url: \(u["applivery"]!)/download
          product-science:
            type: build-uploads
            token: ${PRODUCTSCIENCE_TOKEN}
            project: acme-android
            api_url: \(u["product-science"]!)
          ignite:
            type: ignite
            client_id: \(igniteClientID)
            client_secret: ${DT_CLIENT_SECRET}
            package_name: \(packageName)
            fallback_url: https://dl.acme.com/{branch}/{short_sha}/app.apk
            segments: [3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f]
            store_metadata:
              category: Productivity
              short_description: Notes that sync
              icon_url: https://acme.com/icon.png
              developer: Acme
              email: apps@acme.com
              website_url: https://acme.com
              market_url: https://play.google.com/store/apps/details?id=\(packageName)
              privacy_policy_url: https://acme.com/privacy
            token_url: \(u["ignite"]!)/account
            api_url: \(u["ignite"]!)/appmanagement
          amazon:
            type: amazon-appstore
            app_id: \(amazonAppID)
            client_id: ${AMAZON_CLIENT_ID}
            client_secret: ${AMAZON_CLIENT_SECRET}
            apk_mode: add
            validate: false
            commit: false
            release_notes: Chaos build
            api_url: \(u["amazon"]!)
            token_url: \(u["amazon"]!)/auth/o2/token
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
