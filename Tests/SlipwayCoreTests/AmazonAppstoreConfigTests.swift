import Testing

@testable import SlipwayCore

@Suite("Amazon Appstore store config")
struct AmazonAppstoreConfigTests {
    func config(store: String) -> String {
        """
        version: 1
        stores:
          amazon:
            type: amazon-appstore
        \(store.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
        rules:
          - name: release
            stores: [amazon]
        """
    }

    func diagnostics(_ store: String) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(yaml: config(store: store), file: "slipway.yml")
            Issue.record("expected the config to be refused")
            return []
        } catch {
            // The rule naming the refused store is reported too; these tests look at the store.
            if case .invalid(let diagnostics) = error { return diagnostics.filter { !$0.message.hasPrefix("rule ") } }
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test func readsEveryKey() throws {
        let yaml = config(
            store: """
                app_id: amzn1.devportal.mobileapp.0123abcd
                client_id: ${AMAZON_CLIENT_ID}
                client_secret: file:/etc/slipway/amazon-secret
                api_url: http://127.0.0.1:9999/
                token_url: http://127.0.0.1:9999/auth/o2/token
                apk_mode: delete-then-upload
                replace_apk_id: M3AB
                large_file_threshold_bytes: 1048576
                large_upload_encoding: multipart
                release_notes: Bug fixes
                listings:
                  de_DE:
                    recent_changes: Fehlerbehebungen
                    title: Beispiel
                images:
                  - language: en_US
                    type: screenshots
                    file: art/shot1.png
                    replace_existing: true
                availability:
                  date_time: "2030-07-16T19:20:30.45"
                  zone_id: US_Pacific
                validate: false
                commit: false
                keep_edit_on_failure: true
                """)
        let loaded = try ConfigLoader.parse(yaml: yaml, file: "slipway.yml")
        guard case .amazonAppstore(let settings) = loaded.stores.first?.settings else {
            Issue.record("expected an Amazon Appstore store")
            return
        }
        #expect(settings.appID == "amzn1.devportal.mobileapp.0123abcd")
        #expect(settings.clientID == .environment("AMAZON_CLIENT_ID"))
        #expect(settings.clientSecret == .file("/etc/slipway/amazon-secret"))
        #expect(settings.apiURL == "http://127.0.0.1:9999")
        #expect(settings.apkMode == .deleteThenUpload)
        #expect(settings.replaceAPKID == "M3AB")
        #expect(settings.largeFileThresholdBytes == 1_048_576)
        #expect(settings.largeUploadEncoding == .multipart)
        #expect(settings.releaseNotes == "Bug fixes")
        #expect(settings.listings["de_DE"] == .init(recentChanges: "Fehlerbehebungen", title: "Beispiel"))
        #expect(settings.images == [.init(language: "en_US", imageType: "screenshots", file: "art/shot1.png", replaceExisting: true)])
        #expect(settings.availability == .init(dateTime: "2030-07-16T19:20:30.45", zoneID: "US_Pacific"))
        #expect(!settings.validate && !settings.commit && settings.keepEditOnFailure)
        #expect(settings.secretReferences.map(\.field) == ["client_id", "client_secret"])
    }

    @Test func defaultsAreAmazonsEndpointsReplaceAndCommit() throws {
        let yaml = config(
            store: """
                app_id: amzn1.devportal.mobileapp.0123abcd
                client_id: ${AMAZON_CLIENT_ID}
                client_secret: ${AMAZON_CLIENT_SECRET}
                """)
        let loaded = try ConfigLoader.parse(yaml: yaml, file: "slipway.yml")
        guard case .amazonAppstore(let settings) = loaded.stores.first?.settings else {
            Issue.record("expected an Amazon Appstore store")
            return
        }
        #expect(settings.apiURL == "https://developer.amazon.com/api/appstore")
        #expect(settings.tokenURL == "https://api.amazon.com/auth/o2/token")
        #expect(settings.apkMode == .replace)
        #expect(settings.largeFileThresholdBytes == 300 * 1024 * 1024)
        #expect(settings.validate && settings.commit && !settings.keepEditOnFailure)
    }

    @Test func anUnsupportedTimeZoneIsRefusedAtItsLine() {
        let found = diagnostics(
            """
            app_id: amzn1.devportal.mobileapp.0123abcd
            client_id: ${AMAZON_CLIENT_ID}
            client_secret: ${AMAZON_CLIENT_SECRET}
            availability:
              date_time: "2030-07-16T19:20:30"
              zone_id: Europe/Berlin
            """)
        #expect(found.count == 1)
        #expect(found.first?.line == 10)
        #expect(found.first?.message.contains("zone_id \"Europe/Berlin\" is not a time zone Amazon supports") == true)
        #expect(found.first?.message.contains("did you mean \"Europe_Berlin\"") == true)
    }

    @Test func everyProblemIsReportedAtOnce() {
        let found = diagnostics(
            """
            app_id: amzn1.devportal.mobileapp.0123abcd
            client_id: ${AMAZON_CLIENT_ID}
            client_secret: inline-secret-value
            apk_mode: overwrite
            listings:
              en-US:
                recent_changes: Fixes
            images:
              - language: en_US
                type: icon
                file: icon.png
            availability:
              date_time: "2030-02-30T10:00:00"
              zone_id: US_Pacific
            """)
        let messages = found.map(\.message)
        #expect(found.count == 5)
        #expect(messages.contains { $0.contains("client_secret must refer to a secret") })
        #expect(messages.contains { $0.contains("apk_mode must be replace") })
        #expect(messages.contains { $0.contains("\"en-US\"") && $0.contains("did you mean \"en_US\"") })
        #expect(messages.contains { $0.contains("type \"icon\" is not an Amazon image type") })
        #expect(messages.contains { $0.contains("date_time \"2030-02-30T10:00:00\"") })
    }

    @Test func requiredKeysAreNamed() {
        let found = diagnostics("app_id: amzn1.devportal.mobileapp.0123abcd")
        #expect(found.map(\.message).sorted() == [
            "store \"amazon\" is missing \"client_id:\"", "store \"amazon\" is missing \"client_secret:\"",
        ])
    }

    @Test(arguments: [
        ("2030-07-16T19:20:30", true), ("2030-07-16T19:20:30.45", true), ("2028-02-29T00:00:00", true),
        ("2030-07-16 19:20:30", false), ("2030-7-16T19:20:30", false), ("2030-07-16T24:00:00", false),
        ("2029-02-29T00:00:00", false), ("2030-07-16T19:20:30.", false),
    ])
    func releaseDateTimeFormat(text: String, valid: Bool) {
        #expect(AmazonAppstoreSettings.isValidDateTime(text) == valid)
    }
}
