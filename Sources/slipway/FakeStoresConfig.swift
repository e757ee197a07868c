/// The `stores:` section that points all five stores at loopback fakes, shared by `slipway demo`
/// and `slipway chaos-fakes` (their worlds differ in the fakes around it, not in how stores are
/// configured). Indented as it sits under `stores:` (2 spaces).
enum FakeStoresConfig {
    struct URLs {
        var play: String
        var applivery: String
        var productScience: String
        var ignite: String
        var amazon: String
    }

    /// - Parameters:
    ///   - igniteExtra, amazonExtra: more lines for those stores (4-space indent).
    static func yaml(
        _ u: URLs, packageName: String, igniteClientID: String, amazonAppID: String, igniteExtra: String = "",
        amazonExtra: String = ""
    ) -> String {
        """
          play:
            type: google-play
            package_name: \(packageName)
            service_account: file:play-key.json
            api_url: \(u.play)
          applivery:
            type: applivery
            app_token: ${APPLIVERY_APP_TOKEN}
            organization: acme
            upload_url: \(u.applivery)/upload
            api_url: \(u.applivery)/api
            download_url: \(u.applivery)/download
          product-science:
            type: build-uploads
            token: ${PRODUCTSCIENCE_TOKEN}
            project: acme-android
            api_url: \(u.productScience)
          ignite:
            type: ignite
            client_id: \(igniteClientID)
            client_secret: ${DT_CLIENT_SECRET}
            package_name: \(packageName)
            fallback_url: https://dl.acme.com/{branch}/{short_sha}/app.apk
            segments: [3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f]
        \(igniteExtra)    store_metadata:
              category: Productivity
              short_description: Notes that sync
              icon_url: https://acme.com/icon.png
              developer: Acme
              email: apps@acme.com
              website_url: https://acme.com
              market_url: https://play.google.com/store/apps/details?id=\(packageName)
              privacy_policy_url: https://acme.com/privacy
            token_url: \(u.ignite)/account
            api_url: \(u.ignite)/appmanagement
          amazon:
            type: amazon-appstore
            app_id: \(amazonAppID)
            client_id: ${AMAZON_CLIENT_ID}
            client_secret: ${AMAZON_CLIENT_SECRET}
        \(amazonExtra)    api_url: \(u.amazon)
            token_url: \(u.amazon)/auth/o2/token
        """
    }
}
