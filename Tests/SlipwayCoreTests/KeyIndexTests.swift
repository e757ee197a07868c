import Foundation
import Testing

@testable import SlipwayCore

/// Every key the loader accepts is documented in README's key index and described by the JSON
/// Schema, and neither names a key the loader would refuse: the three cannot drift apart.
@Suite("Config keys: loader, README and schema agree")
struct KeyIndexTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// README's key index lines: `- **SECTION**: `key`, `key` …`.
    static func readmeIndex() throws -> [String: String] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var index: [String: String] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("- **") {
            guard let end = line.range(of: "**:", range: line.index(line.startIndex, offsetBy: 4)..<line.endIndex) else { continue }
            index[String(line[line.index(line.startIndex, offsetBy: 4)..<end.lowerBound])] = String(line[end.upperBound...])
        }
        return index
    }

    @Test("README's key index lists every key of every section", arguments: ConfigKeys.all.map(\.section))
    func readmeListsEveryKey(section: String) throws {
        let keys = try #require(ConfigKeys.all.first { $0.section == section }?.keys)
        let line = try #require(try Self.readmeIndex()[section], "README has no key index line for \(section)")
        // The line holds only backticked key names: exactly the loader's, none missing, none it would refuse.
        let listed = line.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        #expect(Set(listed) == Set(keys), "README's key index for \(section): missing \(Set(keys).subtracting(listed).sorted()), unknown \(Set(listed).subtracting(keys).sorted())")
    }

    /// Sections whose keys the schema spells out, with where they are.
    static let schemaPaths: [String: [String]] = [
        "top level": [], "server": ["properties", "server"], "server.access": ["properties", "server", "properties", "access"],
        "server.access.github": ["properties", "server", "properties", "access", "properties", "github"],
        "server.dashboard": ["properties", "server", "properties", "dashboard"],
        "server.outbound": ["properties", "server", "properties", "outbound"], "sources": ["properties", "sources"],
        "sources.github": ["properties", "sources", "properties", "github"],
        "sources.generic": ["properties", "sources", "properties", "generic"],
        "sources.gitlab": ["properties", "sources", "properties", "gitlab"],
        "sources.bitrise": ["properties", "sources", "properties", "bitrise"],
        "sources.buildkite": ["properties", "sources", "properties", "buildkite"],
        "sources.circleci": ["properties", "sources", "properties", "circleci"],
        "stores (google-play)": ["$defs", "googlePlayStore"], "stores (applivery)": ["$defs", "appliveryStore"],
        "stores (build-uploads)": ["$defs", "buildUploadsStore"], "stores (ignite)": ["$defs", "igniteStore"],
        "stores (amazon-appstore)": ["$defs", "amazonAppstoreStore"],
        "notifications (github)": ["$defs", "githubNotification"], "notifications (gitlab)": ["$defs", "gitlabNotification"],
        "notifications (slack)": ["$defs", "slackNotification"], "notifications (teams)": ["$defs", "teamsNotification"],
        "notifications (discord)": ["$defs", "discordNotification"], "rules[]": ["properties", "rules", "items"],
        "repo_rules[]": ["properties", "repo_rules", "items"],
    ]

    @Test("the schema describes exactly the keys the loader accepts", arguments: Array(schemaPaths.keys).sorted())
    func schemaMatchesTheLoader(section: String) throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("schema/slipway.schema.json"))
        var node = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for step in Self.schemaPaths[section]! {
            node = try #require(node[step] as? [String: Any], "schema has no \(step) on the way to \(section)")
        }
        let properties = try #require(node["properties"] as? [String: Any], "schema lists no properties for \(section)")
        let keys = try #require(ConfigKeys.all.first { $0.section == section }?.keys)
        #expect(Set(properties.keys) == Set(keys), "schema and loader differ for \(section)")
    }
}
