import Foundation
import SlipwayFakes

/// The demo's outside world: loopback fakes of GitHub, the five stores and Slack, the APK they
/// all receive, and the config that points Slipway at them.
struct DemoWorld: Sendable {
    static let repository = "acme/android-app"
    static let packageName = "com.acme.android"
    static let runID: Int64 = 31_337
    static let sha = "9fceb02d0ae598e95dc970b74767f19372d61af8"
    static let amazonAppID = "amzn1.devportal.mobileapp.demo0001"
    static let igniteClientID = "820f2060-d373-4bdc-8de3-cdfa17d12a07"

    let github: FakeGitHub
    let slack: FakeSlack
    let urls: [String: String]

    /// Secrets the demo config references, as the environment of a real deployment would hold them.
    static let environment: [String: String] = [
        "GITHUB_TOKEN": "ghs_demo_token_0123456789", "GITHUB_WEBHOOK_SECRET": "demo-webhook-secret",
        "APPLIVERY_APP_TOKEN": "applivery-demo-token", "PRODUCTSCIENCE_TOKEN": "ps-demo-token-0123456789",
        "DT_CLIENT_SECRET": "dt-demo-client-secret", "AMAZON_CLIENT_ID": "amzn1.application-oa2-client.demo",
        "AMAZON_CLIENT_SECRET": "amazon-demo-secret", "SLACK_BOT_TOKEN": "xoxb-demo-token",
        "SLIPWAY_API_TOKEN": "demo-\(UUID().uuidString.prefix(12).lowercased())",
    ]

    /// Starts every fake, with the demo build known to each, for the length of `body`.
    static func with<T: Sendable>(folder: URL, body: (DemoWorld) async throws -> T) async throws -> T {
        let env = environment
        let apkURL = folder.appendingPathComponent("app-debug.apk")
        let apk = try FakeAPK.write(to: apkURL, manifest: .binary(packageName: packageName, versionCode: 42, versionName: "1.4.2"))
        let github = FakeGitHub(token: env["GITHUB_TOKEN"]!)
        await github.addRun(repository: repository, runID: runID, artifacts: ["app-debug": ["app-debug.apk": try Data(contentsOf: apkURL)]])
        let account = try FakeServiceAccount()
        let play = FakeGooglePlay()
        await play.register(account)
        await play.addPackage(packageName)
        let applivery = FakeApplivery(appToken: env["APPLIVERY_APP_TOKEN"]!)
        await applivery.setProcessingPolls(1)  // the first download-token call answers 5014 "Build Not Processed"
        let productScience = FakeProductScience(token: env["PRODUCTSCIENCE_TOKEN"]!)
        let ignite = FakeIgnite(clientID: igniteClientID, clientSecret: env["DT_CLIENT_SECRET"]!)
        await ignite.register(apk)
        await ignite.scriptNextUpload([
            .init(upload: "IN_PROGRESS", samsung: "PENDING", manual: "PENDING"),
            .init(upload: "COMPLETED", samsung: "SCHEDULED", manual: "PENDING"),
            .init(upload: "COMPLETED", samsung: "COMPLETED", manual: "PENDING"),
            .init(upload: "COMPLETED", samsung: "COMPLETED", manual: "APPROVED"),
        ])
        let amazon = FakeAmazonAppstore()
        await amazon.register(clientID: env["AMAZON_CLIENT_ID"]!, clientSecret: env["AMAZON_CLIENT_SECRET"]!)
        await amazon.addApp(amazonAppID, apks: [FakeAmazonAPK(id: "M1LIVE", name: "app-release.apk", versionCode: 41, targeting: ["fire-hd-8"])])
        let slack = FakeSlack(token: env["SLACK_BOT_TOKEN"]!)

        return try await github.run { githubURL in try await play.run { playURL in
        try await applivery.run { appliveryURL in try await productScience.run { psURL in
        try await ignite.run { igniteURL in try await amazon.run { amazonURL in try await slack.run { slackURL in
            _ = try account.writeKeyFile(tokenURI: playURL + "/token", to: folder.appendingPathComponent("play-key.json"))
            return try await body(
                DemoWorld(
                    github: github, slack: slack,
                    urls: [
                        "GitHub": githubURL, "Google Play": playURL, "Applivery": appliveryURL, "Product Science": psURL,
                        "Digital Turbine": igniteURL, "Amazon Appstore": amazonURL, "Slack": slackURL,
                    ]))
        } } } } } } }
    }

    /// The config a team would write, pointed at the fakes; polling on a fast schedule (ordinary config).
    func config(folder: URL, port: Int) -> String {
        let u = urls
        return """
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
                # The fakes listen on loopback, which URLs named by webhooks may not reach unless allowed.
                allow_private_networks: [127.0.0.0/8]
              polling:                  # the demo checks waiting stores every second or two
                first_delay_seconds: 1
                max_delay_seconds: 2
                max_rounds: 20
            sources:
              github:
                webhook_secret: ${GITHUB_WEBHOOK_SECRET}
                token: ${GITHUB_TOKEN}
                api_url: \(u["GitHub"]!)
            stores:
              play:
                type: google-play
                package_name: \(Self.packageName)
                service_account: file:play-key.json
                api_url: \(u["Google Play"]!)
              applivery:
                type: applivery
                app_token: ${APPLIVERY_APP_TOKEN}
                organization: acme
                upload_url: \(u["Applivery"]!)/upload
                api_url: \(u["Applivery"]!)/api
                download_url: \(u["Applivery"]!)/download
              product-science:
                type: build-uploads
                token: ${PRODUCTSCIENCE_TOKEN}
                project: acme-android
                api_url: \(u["Product Science"]!)
              ignite:
                type: ignite
                client_id: \(Self.igniteClientID)
                client_secret: ${DT_CLIENT_SECRET}
                package_name: \(Self.packageName)
                fallback_url: https://dl.acme.com/{branch}/{short_sha}/app.apk
                segments: [3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f]
                send_to_samsung: true
                store_metadata:
                  category: Productivity
                  short_description: Notes that sync
                  icon_url: https://acme.com/icon.png
                  developer: Acme
                  email: apps@acme.com
                  website_url: https://acme.com
                  market_url: https://play.google.com/store/apps/details?id=\(Self.packageName)
                  privacy_policy_url: https://acme.com/privacy
                token_url: \(u["Digital Turbine"]!)/account
                api_url: \(u["Digital Turbine"]!)/appmanagement
              amazon:
                type: amazon-appstore
                app_id: \(Self.amazonAppID)
                client_id: ${AMAZON_CLIENT_ID}
                client_secret: ${AMAZON_CLIENT_SECRET}
                release_notes: The login screen
                api_url: \(u["Amazon Appstore"]!)
                token_url: \(u["Amazon Appstore"]!)/auth/o2/token
            notifications:
              github:
                type: github
              team-chat:
                type: slack
                token: ${SLACK_BOT_TOKEN}
                channel: C0RELEASES
                api_url: \(u["Slack"]!)/api
            rules:
              - name: PR builds to every store
                repo: \(Self.repository)
                events: [pull_request]
                artifact: "app-debug/**/*.apk"
                stores: [play, applivery, product-science, ignite, amazon]

            """
    }

    /// The `workflow_run` GitHub sends when the PR's build finishes.
    static func webhookBody() -> Data {
        Data(
            """
            {"action":"completed","workflow_run":{"id":\(runID),"run_attempt":1,"event":"pull_request","status":"completed",
             "conclusion":"success","head_branch":"feature/login","head_sha":"\(sha)",
             "html_url":"https://github.com/\(repository)/actions/runs/\(runID)",
             "pull_requests":[{"number":7,"base":{"ref":"main","repo":{"id":1}}}],
             "head_commit":{"message":"Add the login screen","timestamp":"2026-11-22T10:00:00Z"}},
             "repository":{"id":1,"full_name":"\(repository)"}}
            """.utf8)
    }
}
