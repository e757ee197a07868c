import Testing

@testable import SlipwayCore

@Suite("Product Science build-uploads store config")
struct BuildUploadsConfigTests {
    static func config(_ store: String) -> String {
        """
        version: 1
        stores:
          ps:
            type: build-uploads
        \(store)
        rules:
          - name: to Product Science
            stores: [ps]
        """
    }

    @Test func aFullStoreBlockParses() throws {
        let config = try ConfigLoader.parse(
            yaml: Self.config(
                """
                    token: ${PRODUCTSCIENCE_TOKEN}
                    project: acme-android
                    build_type: INSTRUMENTED_APK
                    api_url: https://test.productscience.app/
                    size_range_header: X-Goog-Content-Length-Range
                """), file: "slipway.yml")
        guard case .buildUploads(let settings) = config.stores.first?.settings else {
            Issue.record("expected a build-uploads store")
            return
        }
        #expect(settings.token == .environment("PRODUCTSCIENCE_TOKEN"))
        #expect(settings.project == "acme-android")
        #expect(settings.buildType == .instrumentedAPK)
        #expect(settings.apiURL == "https://test.productscience.app")
        #expect(settings.sizeRangeHeader == "x-goog-content-length-range")
    }

    @Test func defaultsAreAPKOnProduction() throws {
        let config = try ConfigLoader.parse(yaml: Self.config("    token: ${T}\n    project: p"), file: "slipway.yml")
        guard case .buildUploads(let settings) = config.stores.first?.settings else {
            Issue.record("expected a build-uploads store")
            return
        }
        #expect(settings.buildType == .apk)
        #expect(settings.apiURL == "https://prod.productscience.app")
    }

    @Test func badValuesAreReportedWithTheirLines() {
        let yaml = Self.config(
            """
                token: ${T}
                project: acme/android
                build_type: AAB
                api_url: prod.productscience.app
            """)
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "slipway.yml")
            Issue.record("expected the config to be refused")
        } catch {
            let found = error.diagnostics
            #expect(found.contains { $0.line == 6 && $0.message.contains("project must be the Product Science project name") })
            #expect(found.contains { $0.line == 7 && $0.message.contains("build_type must be APK or INSTRUMENTED_APK") })
            #expect(found.contains { $0.line == 8 && $0.message.contains("http:// or https://") })
        }
    }

    @Test func missingTokenIsReportedAtTheStore() {
        do {
            _ = try ConfigLoader.parse(yaml: Self.config("    project: p"), file: "slipway.yml")
            Issue.record("expected the config to be refused")
        } catch {
            #expect(error.diagnostics.contains { $0.line == 4 && $0.message.contains("missing \"token:\"") })
        }
    }
}
