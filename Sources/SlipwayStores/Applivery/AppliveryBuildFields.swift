import Foundation
import SlipwayCore

/// The text fields sent with the build: version name, changelog (the commit message), tags,
/// distribution filter, notification options and the CI metadata Applivery shows as "deployer".
/// Dotted names (`deployer.info.commit`) as Applivery's docs write them.
enum AppliveryBuildFields {
    static func fields(settings: AppliverySettings, event: BuildEvent) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        if let template = settings.versionName {
            fields.append(("versionName", versionName(template, event: event)))
        }
        if let message = event.commitMessage, !message.isEmpty {
            fields.append(("changelog", message))
        }
        if !settings.tags.isEmpty {
            fields.append(("tags", settings.tags.joined(separator: ", ")))
        }
        if !settings.filter.isEmpty, let json = try? JSONEncoder().encode(settings.filter) {
            fields.append(("filter", String(decoding: json, as: UTF8.self)))
        }
        if let notify = settings.notifyCollaborators { fields.append(("notifyCollaborators", notify ? "true" : "false")) }
        if let notify = settings.notifyEmployees { fields.append(("notifyEmployees", notify ? "true" : "false")) }
        if let message = settings.notifyMessage { fields.append(("notifyMessage", message)) }
        fields.append(("deployer.name", "Slipway"))
        fields.append(("deployer.info.commit", event.sha))
        if let branch = event.branch { fields.append(("deployer.info.branch", branch)) }
        if let tag = event.tag { fields.append(("deployer.info.tag", tag)) }
        if let message = event.commitMessage, !message.isEmpty { fields.append(("deployer.info.commitMessage", message)) }
        if let url = event.buildURL { fields.append(("deployer.info.buildUrl", url)) }
        fields.append(("deployer.info.buildNumber", event.buildID))
        return fields
    }

    /// Fills `{branch}`, `{tag}`, `{sha}`, `{short_sha}`, `{build_number}`; a missing branch or tag
    /// becomes empty text.
    static func versionName(_ template: String, event: BuildEvent) -> String {
        let values = [
            "branch": event.branch ?? "", "tag": event.tag ?? "", "sha": event.sha,
            "short_sha": String(event.sha.prefix(7)), "build_number": event.buildID,
        ]
        var result = template
        for (name, value) in values { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
        return result
    }
}
