import Foundation
package import SlipwayCore

extension ArtifactFetcher {
    /// Where Buildkite's REST API is and the API access token (scope `read_artifacts`), sent as
    /// `Authorization: Bearer`, which the HTTP client drops when the download redirects to storage.
    package struct BuildkiteAccess: Sendable {
        /// `https://api.buildkite.com/v2`.
        package var apiURL: String
        package var token: Secret

        package init(apiURL: String = "https://api.buildkite.com/v2", token: Secret) {
            self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
            self.token = token
        }
    }

    /// Lists the build's artifacts (paged, 100 at a time), takes the first finished one whose `path`
    /// the rule selects and downloads it through the API's download route, which answers 302 to a
    /// URL valid about 60 seconds (the client follows it at once). The download route is built from
    /// the API URL rather than taken from the listing, so a token never goes to a host it names.
    func fetchBuildkiteBuild(
        organization: String, pipeline: String, number: Int, selector: ArtifactSelector, into directory: URL,
        arrival: ArtifactArrival?
    ) async throws(ArtifactFetchError) -> Artifact {
        guard let access = ci.buildkite else {
            throw .unreadable("the build is from Buildkite, but sources.buildkite (with a token) is not configured")
        }
        let headers = [("Authorization", "Bearer \(access.token.revealed)")]
        let base = "\(access.apiURL)/organizations/\(organization)/pipelines/\(pipeline)/builds/\(number)"
        struct Item: Decodable {
            var id: String
            var jobId: String
            var path: String
            var state: String?
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var items: [Item] = []
        var page = 1
        while true {
            let data = try await getJSON(
                "\(base)/artifacts?per_page=100&page=\(page)", step: "list the artifacts of Buildkite build \(number)",
                headers: headers, hint: Self.buildkiteHint)
            let list: [Item]
            do {
                list = try decoder.decode([Item].self, from: data)
            } catch {
                throw .unreadable("Buildkite's artifact list is not the documented JSON")
            }
            items += list
            if list.count < 100 || page >= 20 { break }
            page += 1
        }
        let usable = items.filter { $0.state == nil || $0.state == "finished" }
        let matches = usable.filter { selector.accepts(name: $0.path) }.sorted { $0.path < $1.path }
        guard let item = matches.first else {
            throw .noMatch(pattern: selector.description, available: usable.map(\.path))
        }
        guard let kind = ArtifactKind(fileName: item.path) else { throw .unreadable("\(item.path) is not an .apk or .aab") }
        let target = directory.appendingPathComponent(Self.safeFileName(item.path))
        let (size, sha256) = try await download(
            "\(base)/jobs/\(item.jobId)/artifacts/\(item.id)/download", to: target,
            step: "download Buildkite artifact \(item.path)", authorized: true, headers: headers, hint: Self.buildkiteHint,
            announcing: arrival.map { Announcement(arrival: $0, name: item.path, kind: kind) })
        return Artifact(path: target.path, name: item.path, kind: kind, size: size, sha256: sha256)
    }

    @Sendable static func buildkiteHint(status: Int) -> String? {
        switch status {
        case 401: "the API token in sources.buildkite.token is invalid"
        case 403: "the token in sources.buildkite.token needs the read_artifacts scope and access to the organization"
        case 404: "the build or artifact was not found, or the token cannot see the pipeline"
        default: nil
        }
    }
}
