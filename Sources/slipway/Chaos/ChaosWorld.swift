import Crypto
import Foundation
import Hummingbird
import NIOCore
import SlipwayFakes

/// The world `scripts/chaos` runs Slipway in (issue 13 §1): fakes of GitHub, the five stores and
/// Slack, each store behind `FakeChaos`; one real APK per delivery (its own version code and
/// sha256, so every upload at every fake can be traced to its delivery); the config; the signed
/// webhooks' bodies; and a control endpoint that reports what the fakes hold.
struct ChaosWorld: Sendable {
    static let repository = "acme/android-app"
    static let packageName = "com.acme.android"
    static let amazonAppID = "amzn1.devportal.mobileapp.chaos0001"
    static let igniteClientID = "820f2060-d373-4bdc-8de3-cdfa17d12a07"
    static let firstRunID: Int64 = 70_000
    static let firstVersionCode = 1000

    static let environment: [String: String] = [
        "GITHUB_TOKEN": "ghs_chaos_token_0123456789", "GITHUB_WEBHOOK_SECRET": "chaos-webhook-secret",
        "APPLIVERY_APP_TOKEN": "applivery-chaos-token", "PRODUCTSCIENCE_TOKEN": "ps-chaos-token-0123456789",
        "DT_CLIENT_SECRET": "dt-chaos-client-secret", "AMAZON_CLIENT_ID": "amzn1.application-oa2-client.chaos",
        "AMAZON_CLIENT_SECRET": "amazon-chaos-secret", "SLACK_BOT_TOKEN": "xoxb-chaos-token",
        "SLIPWAY_API_TOKEN": "chaos-api-token-0123456789",
    ]

    struct Delivery: Codable, Sendable {
        var index: Int
        var runID: Int64
        var sha: String
        var versionCode: Int
        var sha256: String
    }

    let deliveries: [Delivery]
    let github: FakeGitHub
    let slack: FakeSlack
    let play: FakeGooglePlay
    let applivery: FakeApplivery
    let productScience: FakeProductScience
    let ignite: FakeIgnite
    let amazon: FakeAmazonAppstore
    let chaos: [String: FakeChaos]

    /// Builds every fake and `count` APKs in `folder/apks`, writes the webhooks' bodies to
    /// `folder/webhooks/N.json`, and serves everything until cancelled. `ready` gets the fakes' URLs.
    static func serve(folder: URL, count: Int, faultRate: Double, seed: UInt64, ready: @Sendable ([String: String], ChaosWorld) throws -> Void)
        async throws
    {
        let env = environment
        let fileManager = FileManager.default
        for sub in ["apks", "webhooks"] {
            try fileManager.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let github = FakeGitHub(token: env["GITHUB_TOKEN"]!)
        let ignite = FakeIgnite(clientID: igniteClientID, clientSecret: env["DT_CLIENT_SECRET"]!)
        var deliveries: [Delivery] = []
        for index in 0..<count {
            let url = folder.appendingPathComponent("apks/app-\(index).apk")
            let versionCode = firstVersionCode + index
            let apk = try FakeAPK.write(
                to: url, manifest: .binary(packageName: packageName, versionCode: UInt32(versionCode), versionName: "1.0.\(index)"),
                fillerBytes: 96 * 1024)
            let runID = firstRunID + Int64(index)
            await github.addRun(repository: repository, runID: runID, artifacts: ["app-release": ["app-release.apk": try Data(contentsOf: url)]])
            await ignite.register(apk)
            let sha = SHA256.hash(data: Data("chaos-\(seed)-\(index)".utf8)).map { String(format: "%02x", $0) }.joined().prefix(40)
            let delivery = Delivery(index: index, runID: runID, sha: String(sha), versionCode: versionCode, sha256: apk.sha256)
            deliveries.append(delivery)
            try webhookBody(delivery).write(to: folder.appendingPathComponent("webhooks/\(index).json"))
        }
        let account = try FakeServiceAccount()
        let play = FakeGooglePlay()
        await play.register(account)
        await play.addPackage(packageName)
        let applivery = FakeApplivery(appToken: env["APPLIVERY_APP_TOKEN"]!)
        let productScience = FakeProductScience(token: env["PRODUCTSCIENCE_TOKEN"]!)
        let amazon = FakeAmazonAppstore()
        await amazon.register(clientID: env["AMAZON_CLIENT_ID"]!, clientSecret: env["AMAZON_CLIENT_SECRET"]!)
        await amazon.addApp(amazonAppID, apks: [FakeAmazonAPK(id: "M1LIVE", name: "app-release.apk", versionCode: 999, targeting: ["fire-hd-8"])])
        let slack = FakeSlack(token: env["SLACK_BOT_TOKEN"]!)
        var chaos: [String: FakeChaos] = [:]
        for (offset, name) in ["play", "applivery", "product-science", "ignite", "amazon"].enumerated() {
            chaos[name] = FakeChaos(name: name, rate: faultRate, seed: seed &+ UInt64(offset) &* 7919)
        }
        let world = ChaosWorld(
            deliveries: deliveries, github: github, slack: slack, play: play, applivery: applivery,
            productScience: productScience, ignite: ignite, amazon: amazon, chaos: chaos)

        try await github.run { githubURL in
        try await FakeServer.run(chaos["play"]!.wrapping(play.router()), name: "play") { playURL in
        try await FakeServer.run(chaos["applivery"]!.wrapping(applivery.router()), name: "applivery") { appliveryURL in
        try await FakeServer.run(chaos["product-science"]!.wrapping(productScience.router()), name: "ps") { psURL in
        try await FakeServer.run(chaos["ignite"]!.wrapping(ignite.router()), name: "ignite") { igniteURL in
        try await FakeServer.run(chaos["amazon"]!.wrapping(amazon.router()), name: "amazon") { amazonURL in
        try await slack.run { slackURL in
        try await FakeServer.run(world.controlRouter(), name: "control") { controlURL in
            _ = try account.writeKeyFile(tokenURI: playURL + "/token", to: folder.appendingPathComponent("play-key.json"))
            try ready(
                [
                    "github": githubURL, "play": playURL, "applivery": appliveryURL, "product-science": psURL,
                    "ignite": igniteURL, "amazon": amazonURL, "slack": slackURL, "control": controlURL,
                ], world)
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        } } } } } } } }
    }

    /// The `workflow_run` GitHub sends when delivery `index`'s PR build finishes.
    static func webhookBody(_ delivery: Delivery) -> Data {
        let pr = delivery.index + 1
        return Data(
            """
            {"action":"completed","workflow_run":{"id":\(delivery.runID),"run_attempt":1,"event":"pull_request","status":"completed",
             "conclusion":"success","head_branch":"feature/chaos-\(delivery.index)","head_sha":"\(delivery.sha)",
             "html_url":"https://github.com/\(repository)/actions/runs/\(delivery.runID)",
             "pull_requests":[{"number":\(pr),"base":{"ref":"main","repo":{"id":1}}}],
             "head_commit":{"message":"Chaos build \(delivery.index)","timestamp":"2026-12-01T10:00:00Z"}},
             "repository":{"id":1,"full_name":"\(repository)"}}
            """.utf8)
    }
}
