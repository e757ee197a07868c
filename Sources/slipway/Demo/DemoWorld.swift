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
            \(FakeStoresConfig.yaml(
                .init(
                    play: u["Google Play"]!, applivery: u["Applivery"]!, productScience: u["Product Science"]!,
                    ignite: u["Digital Turbine"]!, amazon: u["Amazon Appstore"]!),
                packageName: Self.packageName, igniteClientID: Self.igniteClientID, amazonAppID: Self.amazonAppID,
                igniteExtra: "    send_to_samsung: true\n", amazonExtra: "    release_notes: The login screen\n"))
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
