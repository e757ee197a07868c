import Foundation
import Testing

@testable import SlipwayCore

@Suite("Ignite store config")
struct IgniteConfigTests {
    static func config(_ store: String) -> String {
        """
        version: 1
        stores:
          ignite:
            type: ignite
        \(store)
        rules:
          - name: to Ignite
            stores: [ignite]
        """
    }

    /// Every required key, at the indentation `config` expects (store keys 4 spaces, metadata 6).
    static let required = [
        "    client_id: 820f2060-d373-4bdc-8de3-cdfa17d12a07",
        "    client_secret: ${DT_CLIENT_SECRET}",
        "    package_name: com.acme.app",
        "    fallback_url: https://downloads.acme.com/{branch}/app-{version_name}.apk",
        "    segments: [3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f]",
        "    store_metadata:",
        "      category: Productivity",
        "      short_description: Notes that sync",
        "      icon_url: https://acme.com/icon.png",
        "      developer: Acme",
        "      email: apps@acme.com",
        "      website_url: https://acme.com",
        "      market_url: https://play.google.com/store/apps/details?id=com.acme.app",
        "      privacy_policy_url: https://acme.com/privacy",
    ].joined(separator: "\n")

    static let permissions = [
        "      permissions:",
        "        access_network_state:",
        "          category: network",
        "          description: {en: Checks whether the device is online, de: Prüft die Verbindung}",
    ].joined(separator: "\n")

    func diagnostics(_ store: String) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(yaml: Self.config(store), file: "slipway.yml")
            Issue.record("expected the config to be refused")
            return []
        } catch {
            return error.diagnostics
        }
    }

    func settings(_ store: String) throws -> IgniteSettings {
        let config = try ConfigLoader.parse(yaml: Self.config(store), file: "slipway.yml")
        guard case .ignite(let settings) = config.stores.first?.settings else {
            Issue.record("expected an Ignite store")
            throw CancellationError()
        }
        return settings
    }

    @Test func aFullStoreBlockParses() throws {
        let settings = try settings(
            [
                Self.required, Self.permissions,
                "    send_to_samsung: true",
                "    upload_encoding: json-base64",
                "    token_url: https://account.example.com/",
                "    token_path: /api/post/auth/token",
                "    scope: openid email roles",
                "    api_url: https://appmanagement.example.com",
            ].joined(separator: "\n"))
        #expect(settings.clientID == "820f2060-d373-4bdc-8de3-cdfa17d12a07")
        #expect(settings.clientSecret == .environment("DT_CLIENT_SECRET"))
        #expect(settings.packageName == "com.acme.app")
        #expect(settings.segmentIDs == ["3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"])
        #expect(settings.sendToSamsung)
        #expect(settings.uploadEncoding == .jsonBase64)
        #expect(settings.tokenURL == "https://account.example.com")
        #expect(settings.tokenPath == "/api/post/auth/token")
        #expect(settings.apiURL == "https://appmanagement.example.com")
        #expect(settings.metadata.email == "apps@acme.com")
        #expect(
            settings.metadata.permissions == [
                .init(
                    name: "access_network_state", category: "network",
                    descriptions: ["en": "Checks whether the device is online", "de": "Prüft die Verbindung"])
            ])
        #expect(settings.secretReferences.map(\.field) == ["client_secret"])
    }

    @Test func defaultsPointAtDTsProductionHosts() throws {
        let settings = try settings(Self.required)
        #expect(settings.tokenURL == "https://account.digitalturbine.com")
        #expect(settings.tokenPath == "/api/auth/token")
        #expect(settings.apiURL == "https://appmanagement.gcp-us-east1.gcp-prod.digitalturbine.io")
        #expect(settings.uploadEncoding == .multipart)
        #expect(!settings.sendToSamsung)
        #expect(settings.metadata.permissions.isEmpty)
    }

    @Test func missingRequiredFieldsAreEachReported() {
        let messages = diagnostics("    client_id: abc").map(\.message)
        for key in ["client_secret", "package_name", "fallback_url", "segments", "store_metadata"] {
            #expect(messages.contains { $0.contains("missing \"\(key):\"") }, "\(key): \(messages)")
        }
    }

    @Test func missingMetadataFieldsAreReportedAtTheMetadataBlock() {
        let store = Self.required.replacingOccurrences(of: "      developer: Acme\n", with: "")
        let found = diagnostics(store)
        let diagnostic = found.first { $0.message.contains("missing \"developer:\"") }
        #expect([10, 11].contains(diagnostic?.line ?? 0), "\(found)")
    }

    @Test func aSegmentThatIsNotAUUIDIsReportedAtItsLine() {
        let store = Self.required.replacingOccurrences(
            of: "segments: [3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f]", with: "segments: [beta-testers]")
        let found = diagnostics(store).filter { $0.message.contains("segment") }
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.message.contains("\"beta-testers\" is not a UUID") == true)
        #expect(found.first?.line == 9)
    }

    @Test func anUnknownEncodingListsTheKnownOnes() {
        let found = diagnostics(Self.required + "\n    upload_encoding: form")
        #expect(found.first?.message.contains("multipart, multipart-bracketed, json-base64") == true)
    }

    @Test func badValuesAreReported() {
        let store = Self.required
            .replacingOccurrences(of: "package_name: com.acme.app", with: "package_name: acme")
            .replacingOccurrences(of: "{branch}", with: "{commit}")
            .replacingOccurrences(of: "email: apps@acme.com", with: "email: acme")
        let messages = diagnostics(store).map(\.message)
        #expect(messages.contains { $0.contains("not an Android package name") })
        #expect(messages.contains { $0.contains("unknown placeholder {commit}") })
        #expect(messages.contains { $0.contains("is not an email address") })
    }

    @Test func aPermissionNeedsCategoryAndTwoLetterLanguages() {
        let store = Self.required + "\n" + [
            "      permissions:",
            "        camera:",
            "          description: {english: Takes photos}",
        ].joined(separator: "\n")
        let messages = diagnostics(store).map(\.message)
        #expect(messages.contains { $0.contains("camera is missing \"category:\"") })
        #expect(messages.contains { $0.contains("\"english\" is not a two-letter code") })
    }

    @Test func aSecretWrittenInlineIsRefused() {
        let store = Self.required.replacingOccurrences(of: "${DT_CLIENT_SECRET}", with: "hunter2-plain")
        #expect(diagnostics(store).first?.message.contains("must refer to a secret") == true)
    }
}
