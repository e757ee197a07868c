import Testing

@testable import SlipwayCore

@Suite("Applivery store config")
struct AppliveryConfigTests {
    static func config(_ store: String) -> String {
        """
        version: 1
        stores:
          applivery-qa:
            type: applivery
        \(store)
        rules:
          - name: to Applivery
            stores: [applivery-qa]
        """
    }

    func diagnostics(_ store: String) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(yaml: Self.config(store), file: "slipway.yml")
            Issue.record("expected the config to be refused")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func aFullStoreBlockParses() throws {
        let config = try ConfigLoader.parse(
            yaml: Self.config(
                """
                    app_token: ${APPLIVERY_APP_TOKEN}
                    workspace_token: file:/etc/slipway/applivery-sa.txt
                    organization: acme
                    app_id: 5f1e2d3c4b5a697887766554
                    download_type: aab
                    version_name: "{branch}-{short_sha}"
                    tags: [qa, nightly]
                    filter: [qa, [beta, android]]
                    notify_collaborators: true
                    notify_employees: false
                    notify_message: New build
                    check_download_link: false
                    upload_url: https://upload.acme.applivery.io/
                    api_url: https://api.acme.applivery.io
                    download_url: https://download-api.acme.applivery.io
                """), file: "slipway.yml")
        guard case .applivery(let settings) = config.stores.first?.settings else {
            Issue.record("expected an Applivery store")
            return
        }
        #expect(settings.appToken == .environment("APPLIVERY_APP_TOKEN"))
        #expect(settings.workspaceToken == .file("/etc/slipway/applivery-sa.txt"))
        #expect(settings.organization == "acme")
        #expect(settings.appID == "5f1e2d3c4b5a697887766554")
        #expect(settings.downloadType == .aab)
        #expect(settings.versionName == "{branch}-{short_sha}")
        #expect(settings.tags == ["qa", "nightly"])
        #expect(settings.filter == [["qa"], ["beta", "android"]])
        #expect(settings.notifyCollaborators == true)
        #expect(settings.notifyEmployees == false)
        #expect(settings.checkDownloadLink == false)
        #expect(settings.uploadURL == "https://upload.acme.applivery.io")
        #expect(settings.downloadURL == "https://download-api.acme.applivery.io")
        #expect(settings.secretReferences.map(\.field) == ["app_token", "workspace_token"])
    }

    @Test func theMinimalBlockUsesApplivierysPublicHosts() throws {
        let config = try ConfigLoader.parse(
            yaml: Self.config("    app_token: ${T}\n    organization: acme"), file: "slipway.yml")
        guard case .applivery(let settings) = config.stores.first?.settings else {
            Issue.record("expected an Applivery store")
            return
        }
        #expect(settings.uploadURL == "https://upload.applivery.io")
        #expect(settings.apiURL == "https://api.applivery.io")
        #expect(settings.downloadURL == "https://download-api.applivery.io")
        #expect(settings.downloadType == .auto)
        #expect(settings.checkDownloadLink)
    }

    @Test func missingTokenAndOrganizationAreReportedAtTheStore() {
        let found = diagnostics("    tags: [qa]")
        #expect(found.contains { $0.line == 4 && $0.message.contains("missing \"app_token:\"") })
        #expect(found.contains { $0.line == 4 && $0.message.contains("missing \"organization:\"") })
    }

    @Test func badValuesAreReportedWithTheirLines() {
        let found = diagnostics(
            """
                app_token: plain-text-token
                organization: acme
                download_type: apk
                version_name: "{version}"
                tags: ["a,b"]
                filter: qa
                upload_url: ftp://upload.applivery.io
                notify_employees: maybe
            """)
        #expect(found.contains { $0.line == 5 && $0.message.contains("must refer to a secret") })
        #expect(found.contains { $0.line == 7 && $0.message.contains("download_type must be auto, file or aab") })
        #expect(found.contains { $0.line == 8 && $0.message.contains("unknown placeholder {version}") })
        #expect(found.contains { $0.line == 9 && $0.message.contains("contains a comma") })
        #expect(found.contains { $0.line == 10 && $0.message.contains("filter must be a list") })
        #expect(found.contains { $0.line == 11 && $0.message.contains("http:// or https://") })
        #expect(found.contains { $0.line == 12 && $0.message.contains("true or false") })
    }

    @Test func aMistypedKeyGetsASuggestion() {
        let found = diagnostics("    app_token: ${T}\n    organization: acme\n    organisation: acme")
        #expect(found.contains { $0.line == 7 && $0.message.contains("did you mean \"organization\"") })
    }
}
