import Foundation
import Testing

@testable import SlipwayCore

/// `sources.github`: a token or an App — exactly one, said at its line.
@Suite("GitHub App config")
struct GitHubAppConfigTests {
    func github(_ lines: String) -> String {
        validConfig.replacingOccurrences(
            of: "    webhook_secret: ${GITHUB_WEBHOOK_SECRET}\n    token: ${GITHUB_TOKEN}\n",
            with: "    webhook_secret: ${GITHUB_WEBHOOK_SECRET}\n" + lines + "\n")
    }

    func messages(_ yaml: String) -> [String] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "slipway.yml")
            return []
        } catch {
            guard case .invalid(let list) = error else { return [] }
            return list.map { "\($0.line): \($0.message)" }
        }
    }

    @Test func anAppIsReadWithItsKeyAndOptionalInstallation() throws {
        let config = try ConfigLoader.parse(
            yaml: github("    app:\n      app_id: 12345\n      private_key: file:/etc/slipway/app.pem\n      installation_id: 777"),
            file: "slipway.yml")
        let source = try #require(config.sources.github)
        #expect(source.token == nil)
        #expect(source.app == GitHubAppSettings(appID: 12345, privateKey: .file("/etc/slipway/app.pem"), installationID: 777))
    }

    @Test func exactlyOneOfTokenAndAppIsRequired() {
        let both = messages(github("    token: ${GITHUB_TOKEN}\n    app:\n      app_id: 1\n      private_key: file:app.pem"))
        #expect(both.contains { $0.hasPrefix("9: ") && $0.contains("has both \"token:\" and \"app:\"; keep one") }, "\(both)")
        let neither = messages(github("    api_url: https://github.example.com/api/v3"))
        #expect(neither.contains { $0.contains("needs \"token:\"") && $0.contains("\"app:\" (app_id and private_key") }, "\(neither)")
        let inline = messages(github("    app:\n      app_id: 1\n      private_key: \"-----BEGIN RSA PRIVATE KEY-----\""))
        #expect(inline.contains { $0.contains("sources.github.app.private_key") }, "\(inline)")
    }
}
