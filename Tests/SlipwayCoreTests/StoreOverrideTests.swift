import Foundation
import Testing

@testable import SlipwayCore

/// `stores: [play, {applivery-qa: {tags: [nightly]}}]`: a rule gives a store options for its builds.
@Suite("Per-rule store options")
struct StoreOverrideTests {
    static let config = """
        version: 1
        stores:
          play:
            type: google-play
            package_name: com.acme.app
            service_account: file:/etc/slipway/play.json
          applivery-qa:
            type: applivery
            app_token: ${APPLIVERY_APP_TOKEN}
            organization: acme
            tags: [qa]
          ps:
            type: build-uploads
            token: ${PS_TOKEN}
            project: acme
        rules:
          - name: nightly
            repo: acme/app
            branches: [main]
            stores: [play, {applivery-qa: {tags: [nightly], version_name: "nightly-{short_sha}"}}, {ps: {build_type: INSTRUMENTED_APK}}]
          - name: every main build
            repo: acme/app
            branches: [main]
            stores: [applivery-qa]
        """

    func applivery(_ definition: StoreDefinition?) -> AppliverySettings? {
        if case .applivery(let settings)? = definition?.settings { return settings }
        return nil
    }

    @Test func aRuleOverridesOptionsForItsBuildsAndTheStoreItselfIsUnchanged() throws {
        let loaded = try ConfigLoader.parse(yaml: Self.config, file: "slipway.yml")
        let rule = loaded.rules[0]
        #expect(rule.stores == ["play", "applivery-qa", "ps"])
        let override = try #require(rule.storeOverrides["applivery-qa"])
        #expect(applivery(override.definition)?.tags == ["nightly"])
        #expect(applivery(override.definition)?.versionName == "nightly-{short_sha}")
        #expect(applivery(override.definition)?.organization == "acme", "the rest comes from the store")
        #expect(override.options.map(\.key) == ["tags", "version_name"])
        #expect(applivery(loaded.store(named: "applivery-qa"))?.tags == ["qa"])
        if case .buildUploads(let settings)? = rule.storeOverrides["ps"]?.definition.settings {
            #expect(settings.buildType == .instrumentedAPK)
        } else {
            Issue.record("the ps override is missing")
        }
        #expect(loaded.rules[1].storeOverrides.isEmpty)
        #expect(loaded.storeVariants.map(\.key) == ["applivery-qa@nightly", "ps@nightly"])
    }

    @Test func theFirstMatchingRuleWinsAndItsUploadRunsWithItsOptions() throws {
        let loaded = try ConfigLoader.parse(yaml: Self.config, file: "slipway.yml")
        let plan = loaded.plan(for: MatchInput(repository: "acme/app", branch: "main", trigger: .push))
        let applivery = try #require(plan.uploads.first { $0.store == "applivery-qa" })
        #expect(applivery.rule == "nightly" && applivery.variant == "nightly")
        #expect(applivery.uploaderKey == "applivery-qa@nightly")
        #expect(plan.uploads.first { $0.store == "play" }?.uploaderKey == "play")
        #expect(plan.uploads.filter { $0.store == "applivery-qa" }.count == 1)
    }

    @Test func aPlanStoredBeforePerRuleOptionsStillDecodes() throws {
        let old = #"{"store":"play","rule":"r","artifact":{"pattern":"**/*.apk"}}"#
        let upload = try JSONDecoder().decode(PlannedUpload.self, from: Data(old.utf8))
        #expect(upload.variant == nil && upload.uploaderKey == "play")
    }

    @Test func optionsThatMayNotVaryOrDoNotExistAreRefusedAtTheirLine() {
        let text = Self.config.replacingOccurrences(
            of: #"stores: [play, {applivery-qa: {tags: [nightly], version_name: "nightly-{short_sha}"}}, {ps: {build_type: INSTRUMENTED_APK}}]"#,
            with: """
                stores:
                      - {applivery-qa: {app_token: "${OTHER}", tagz: [x]}}
                      - {play: {chunk_bytes: 524288}}
                      - {ps: {build_type: MOVIE}}
                      - {applivery-qa: {tags: [a]}, ps: {build_type: APK}}
                """)
        var found: [ConfigDiagnostic] = []
        do {
            _ = try ConfigLoader.parse(yaml: text, file: "slipway.yml")
        } catch {
            if case .invalid(let list) = error { found = list }
        }
        func at(_ line: Int, _ words: String) -> Bool { found.contains { $0.line == line && $0.message.contains(words) } }
        #expect(at(21, "app_token may not vary per rule"), "\(found)")
        #expect(at(21, "unknown option \"tagz\"") && at(21, "did you mean \"tags\""), "\(found)")
        #expect(at(22, "have no options that vary per rule"), "\(found)")
        #expect(found.contains { $0.line == 23 && $0.message.contains("MOVIE") }, "\(found)")
        #expect(at(24, "one store name with its options"), "\(found)")
    }
}
