import Foundation
import SlipwayCore

/// Step 2's request body. `sourceControlIsoTimestamp` is the commit time from the build event;
/// when the CI did not send one, the time of the upload stands in (and the result says so).
struct ProductScienceBuildMetadata: Sendable {
    var buildType: String
    var buildFileName: String
    var name: String
    var description: String
    var sourceControlId: String
    var sourceControlIsoTimestamp: String
    var commitTimeIsKnown: Bool

    init(settings: BuildUploadsSettings, artifact: Artifact, event: BuildEvent, now: Date) {
        buildType = settings.buildType.rawValue
        buildFileName = artifact.fileName
        let shortSHA = String(event.sha.prefix(7))
        name = event.tag ?? "\(event.branch ?? event.repository)@\(shortSHA)"
        let message = event.commitMessage?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        description = message.isEmpty ? "\(event.repository) build \(event.buildID) (\(shortSHA))" : String(message.prefix(2000))
        sourceControlId = event.sha
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        commitTimeIsKnown = event.commitTimestamp != nil
        sourceControlIsoTimestamp = formatter.string(from: event.commitTimestamp ?? now)
    }

    private struct Body: Encodable {
        var contextId: ProductScienceID
        var buildType: String
        var buildFileName: String
        var name: String
        var description: String
        var sourceControlId: String
        var sourceControlIsoTimestamp: String
    }

    func json(contextID: ProductScienceID) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Body(
            contextId: contextID, buildType: buildType, buildFileName: buildFileName, name: name,
            description: description, sourceControlId: sourceControlId,
            sourceControlIsoTimestamp: sourceControlIsoTimestamp)
        return (try? encoder.encode(body)) ?? Data("{}".utf8)
    }
}
