import Foundation
package import SlipwayCore

extension ArtifactFetcher {
    /// Where Bitrise's API is and the personal access token that reads builds and artifacts. Bitrise
    /// takes the token bare in `Authorization` (no `Bearer`).
    package struct BitriseAccess: Sendable {
        /// `https://api.bitrise.io/v0.1`.
        package var apiURL: String
        package var token: Secret

        package init(apiURL: String = "https://api.bitrise.io/v0.1", token: Secret) {
            self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
            self.token = token
        }
    }

    /// What `GET /apps/{app}/builds/{slug}` says about a build (the webhook omits the commit).
    package struct BitriseBuildDetails: Sendable, Equatable {
        package var commitHash: String?
        package var branch: String?
        package var pullRequestID: Int?
        package var status: Int?
    }

    /// Reads a Bitrise build: the only place its commit SHA is available.
    package func bitriseBuild(app: String, slug: String) async throws(ArtifactFetchError) -> BitriseBuildDetails {
        let access = try bitriseAccess()
        let data = try await getJSON(
            "\(access.apiURL)/apps/\(app)/builds/\(slug)", step: "read Bitrise build \(slug)",
            headers: [("Authorization", access.token.revealed)], hint: Self.bitriseHint)
        struct Envelope: Decodable {
            var data: Build
            struct Build: Decodable {
                var commitHash: String?
                var branch: String?
                var pullRequestId: Int?
                var status: Int?
            }
        }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let build = try decoder.decode(Envelope.self, from: data).data
            return BitriseBuildDetails(
                commitHash: build.commitHash, branch: build.branch, pullRequestID: build.pullRequestId, status: build.status)
        } catch {
            throw .unreadable("Bitrise's build details are not the documented JSON")
        }
    }

    /// Fills in the commit SHA of a Bitrise event whose webhook carried none, from the Bitrise API.
    /// Any other event is returned unchanged. Call it in the job, before reporting on the commit.
    package func completingBitriseEvent(_ event: BuildEvent) async throws(ArtifactFetchError) -> BuildEvent {
        guard event.provider == .bitrise, event.sha.isEmpty, case .bitriseBuild(let app, let slug) = event.artifactSource
        else { return event }
        let details = try await bitriseBuild(app: app, slug: slug)
        guard let sha = details.commitHash, !sha.isEmpty else {
            throw .unreadable("Bitrise build \(slug) has no commit hash (a manual build without a commit?)")
        }
        var completed = event
        completed.sha = sha
        return completed
    }

    /// Lists the build's artifacts (`GET …/builds/{slug}/artifacts`, paged), takes the first whose
    /// title the rule selects, asks for its `expiring_download_url` (valid 10 minutes, so it is
    /// requested right before downloading) and streams that pre-signed URL to disk without the token.
    func fetchBitriseBuild(app: String, slug: String, selector: ArtifactSelector, into directory: URL, arrival: ArtifactArrival?)
        async throws(ArtifactFetchError) -> Artifact
    {
        let access = try bitriseAccess()
        let headers = [("Authorization", access.token.revealed)]
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct List: Decodable {
            var data: [Item]
            var paging: Paging?
            struct Item: Decodable {
                var slug: String
                var title: String
                var artifactType: String?
            }
            struct Paging: Decodable { var next: String? }
        }
        var items: [List.Item] = []
        var next: String?
        repeat {
            let url = "\(access.apiURL)/apps/\(app)/builds/\(slug)/artifacts" + (next.map { "?next=\($0)" } ?? "")
            let data = try await getJSON(url, step: "list the artifacts of Bitrise build \(slug)", headers: headers, hint: Self.bitriseHint)
            let list: List
            do {
                list = try decoder.decode(List.self, from: data)
            } catch {
                throw .unreadable("Bitrise's artifact list is not the documented JSON")
            }
            items += list.data
            next = list.paging?.next.flatMap { $0.isEmpty ? nil : $0 }
        } while next != nil && items.count < 1000

        let matches = items.filter { selector.accepts(name: $0.title) }.sorted { $0.title < $1.title }
        guard let item = matches.first else {
            throw .noMatch(pattern: selector.description, available: items.map(\.title))
        }
        let shown = try await getJSON(
            "\(access.apiURL)/apps/\(app)/builds/\(slug)/artifacts/\(item.slug)",
            step: "read Bitrise artifact \(item.title)", headers: headers, hint: Self.bitriseHint)
        struct Show: Decodable {
            var data: Artifact
            struct Artifact: Decodable { var expiringDownloadUrl: String? }
        }
        guard let show = try? decoder.decode(Show.self, from: shown), let url = show.data.expiringDownloadUrl else {
            throw .unreadable("Bitrise gave no expiring_download_url for artifact \(item.title)")
        }
        guard let kind = ArtifactKind(fileName: item.title) else { throw .unreadable("\(item.title) is not an .apk or .aab") }
        let target = directory.appendingPathComponent(Self.safeFileName(item.title))
        let (size, sha256) = try await download(
            url, to: target, step: "download Bitrise artifact \(item.title) from \(Self.redacted(url))", authorized: false,
            hint: { $0 == 403 ? "the 10-minute download link expired; the job will ask for a new one" : nil },
            announcing: arrival.map { Announcement(arrival: $0, name: item.title, kind: kind) })
        return Artifact(path: target.path, name: item.title, kind: kind, size: size, sha256: sha256)
    }

    private func bitriseAccess() throws(ArtifactFetchError) -> BitriseAccess {
        guard let access = ci.bitrise else {
            throw .unreadable("the build is from Bitrise, but sources.bitrise (with a token) is not configured")
        }
        return access
    }

    @Sendable static func bitriseHint(status: Int) -> String? {
        switch status {
        case 401: "the personal access token in sources.bitrise.token is invalid or expired"
        case 403: "the token in sources.bitrise.token has no access to this app"
        case 404: "the app or build was not found, or the token cannot see it"
        default: nil
        }
    }
}
