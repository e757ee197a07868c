import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import SlipwayCore

/// Closing the re-upload window (issue 13 §2): Applivery's upload `POST` is not idempotent, so a
/// lost answer (or a crash before the result was saved) followed by a blind retry makes a second
/// build. Before uploading, and before each retry, Slipway lists the app's newest builds
/// (`GET /v1/integrations/builds`, newest first, filtered by `versionName` when the config sets one)
/// and reuses one that this build already put there: deployer "Slipway", the same CI build number
/// and commit, and not failed in processing.
extension AppliveryDistribution {
    static let listStep = "look for an earlier upload"

    enum EarlierUpload {
        case found(AppliveryBuild)
        /// The listing answered and has no such build.
        case none
        /// The listing could not be read (after its retries): whether the build is there is not known.
        case unknown(StoreCallFailure)
    }

    /// The build an earlier attempt uploaded for `event`, if the listing says.
    func earlierUpload(of event: BuildEvent, logger: Logger) async -> EarlierUpload {
        var query = "os=android&page=1&limit=20"
        if let template = settings.versionName {
            let name = AppliveryBuildFields.versionName(template, event: event)
            query += "&versionName=" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)
        }
        let endpoint = url(settings.apiURL, "/v1/integrations/builds?\(query)")
        let response: StoreHTTPResponse
        do {
            response = try await send(step: Self.listStep, policy: retryPolicy, logger: logger) { () async throws in
                try await getAPI(endpoint, logger: logger)
            }
        } catch {
            logger.notice("could not list Applivery's builds to find an earlier upload", metadata: ["failure": "\(error)"])
            return .unknown(error)
        }
        guard (200...299).contains(response.status) else {
            logger.notice("could not list Applivery's builds to find an earlier upload", metadata: ["status": "\(response.status)"])
            var failure = self.failure(response, step: Self.listStep)
            failure.isRetryable = true
            return .unknown(failure)
        }
        let found = Self.builds(inListing: response.bodyData).first { listed in
            listed.deployerName == "Slipway" && listed.buildNumber == event.buildID && listed.commit == event.sha
                && listed.build.status != "error"
        }
        if let found {
            logger.notice(
                "Applivery already has this build from an earlier attempt; not uploading it again",
                metadata: ["build": "\(found.build.id)"])
        }
        return found.map { .found($0.build) } ?? .none
    }

    /// One listed build with the deployer fields Slipway sent.
    struct ListedBuild {
        var build: AppliveryBuild
        var deployerName: String?
        var buildNumber: String?
        var commit: String?
    }

    /// Reads `data.items` (or `data.docs`, or `data` as an array) of a listing.
    static func builds(inListing body: Data) -> [ListedBuild] {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return [] }
        let data = object["data"]
        let items = (data as? [String: Any]).flatMap { ($0["items"] ?? $0["docs"]) as? [[String: Any]] }
            ?? (data as? [[String: Any]]) ?? []
        return items.compactMap { item in
            guard let build = AppliveryBuild(object: item) else { return nil }
            let deployer = item["deployer"] as? [String: Any]
            let info = deployer?["info"] as? [String: Any]
            return ListedBuild(
                build: build, deployerName: deployer?["name"] as? String, buildNumber: AppliveryBuild.text(info?["buildNumber"]),
                commit: info?["commit"] as? String)
        }
    }
}
