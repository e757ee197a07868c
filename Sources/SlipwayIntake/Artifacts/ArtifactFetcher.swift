package import AsyncHTTPClient
package import Foundation
package import Logging
import Crypto
import NIOCore
import NIOFileSystem
import NIOHTTP1
package import SlipwayCore
package import SlipwayHTTP
import ZIPFoundation

/// Downloads a build's artifact once, to local disk, computing its SHA-256 while the bytes stream
/// past, and returns it as an `Artifact` every store uploads from.
///
/// Sources: a GitHub Actions run (artifacts are zip archives: the zip is streamed to disk, then the
/// one entry the rule selects is extracted while hashing), a direct URL (streamed to disk), or a
/// local file (hashed in place, not copied).
package struct ArtifactFetcher: Sendable {
    /// Every request goes through it: credentials stay with their origin, and URLs a webhook, a CI
    /// or a redirect names cannot reach private networks.
    package let http: OutboundHTTP
    package let gitHubAPIURL: String
    /// A static token or a GitHub App's installation tokens; nil when `sources.github` is not configured.
    package let gitHub: (any GitHubCredentials)?
    /// Hosts a direct URL may point at; empty allows any.
    package let allowedHosts: [String]
    package let logger: Logger
    /// API URLs and tokens of the other CI systems (GitLab, Bitrise, Buildkite, CircleCI).
    package let ci: CICredentials

    /// - Parameter network: which private ranges external URLs may reach (`server.outbound.allow_private_networks`).
    package init(
        httpClient: HTTPClient, gitHubAPIURL: String, gitHubToken: Secret?, gitHubCredentials: (any GitHubCredentials)? = nil,
        allowedHosts: [String], logger: Logger,
        ci: CICredentials = CICredentials(), network: PrivateNetworkPolicy = .strict,
        resolver: any HostResolver = SystemHostResolver()
    ) {
        self.http = OutboundHTTP(client: httpClient, network: network, resolver: resolver)
        self.gitHubAPIURL = gitHubAPIURL.hasSuffix("/") ? String(gitHubAPIURL.dropLast()) : gitHubAPIURL
        self.gitHub = gitHubCredentials ?? gitHubToken.map(StaticGitHubToken.init)
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
        self.logger = logger
        self.ci = ci
    }

    /// Credentials for each CI's artifacts API; a CI left nil fails its fetches with a message naming the config key.
    package struct CICredentials: Sendable {
        package var gitlab: GitLabAccess?
        package var bitrise: BitriseAccess?
        package var buildkite: BuildkiteAccess?
        package var circleci: CircleCIAccess?

        package init(
            gitlab: GitLabAccess? = nil, bitrise: BitriseAccess? = nil, buildkite: BuildkiteAccess? = nil,
            circleci: CircleCIAccess? = nil
        ) {
            self.gitlab = gitlab
            self.bitrise = bitrise
            self.buildkite = buildkite
            self.circleci = circleci
        }
    }

    /// Fetches the artifact `selector` picks from `source` into `directory`.
    ///
    /// - Parameters:
    ///   - expectedSHA256: the digest the webhook declared (`artifact_sha256`); a download that does
    ///     not match fails with `.checksumMismatch`.
    ///   - arrival: told when stores may read the file while it downloads (direct downloads with a
    ///     `Content-Length`; zips must be extracted first). The caller completes or fails it.
    package func fetch(
        _ source: ArtifactSource, selecting selector: ArtifactSelector, into directory: URL,
        expectedSHA256: String? = nil, arrival: ArtifactArrival? = nil
    ) async throws(ArtifactFetchError) -> Artifact {
        let artifact = try await fetchUnchecked(source, selecting: selector, into: directory, arrival: arrival)
        if let expected = expectedSHA256?.lowercased(), expected != artifact.sha256 {
            throw .checksumMismatch(name: artifact.name, expected: expected, actual: artifact.sha256)
        }
        return artifact
    }

    private func fetchUnchecked(
        _ source: ArtifactSource, selecting selector: ArtifactSelector, into directory: URL, arrival: ArtifactArrival?
    ) async throws(ArtifactFetchError) -> Artifact {
        switch source {
        case .githubRun(let repository, let runID):
            return try await fetchGitHubRun(repository: repository, runID: runID, selector: selector, into: directory)
        case .url(let url):
            return try await fetchURL(url, selector: selector, into: directory, arrival: arrival)
        case .localFile(let path):
            return try hashLocalFile(path, selector: selector)
        case .gitlabPipeline(let project, let pipelineID, let jobs):
            return try await fetchGitLabPipeline(project: project, pipelineID: pipelineID, jobs: jobs, selector: selector, into: directory)
        case .bitriseBuild(let app, let slug):
            return try await fetchBitriseBuild(app: app, slug: slug, selector: selector, into: directory, arrival: arrival)
        case .buildkiteBuild(let organization, let pipeline, let number):
            return try await fetchBuildkiteBuild(
                organization: organization, pipeline: pipeline, number: number, selector: selector, into: directory,
                arrival: arrival)
        case .circleciWorkflow(let projectSlug, let workflowID):
            return try await fetchCircleCIWorkflow(
                projectSlug: projectSlug, workflowID: workflowID, selector: selector, into: directory, arrival: arrival)
        }
    }

    // MARK: GitHub Actions

    struct ArtifactList: Decodable {
        var totalCount: Int
        var artifacts: [Item]
        struct Item: Decodable {
            var id: Int64
            var name: String
            var expired: Bool
            var sizeInBytes: Int64?
        }
    }

    private func fetchGitHubRun(
        repository: String, runID: Int64, selector: ArtifactSelector, into directory: URL
    ) async throws(ArtifactFetchError) -> Artifact {
        var items: [ArtifactList.Item] = []
        var page = 1
        while true {
            let url = "\(gitHubAPIURL)/repos/\(repository)/actions/runs/\(runID)/artifacts?per_page=100&page=\(page)"
            let data = try await withGitHub(repository) { (headers) async throws(ArtifactFetchError) in
                try await getJSON(url, step: "list the run's artifacts", headers: headers)
            }
            let list: ArtifactList
            do {
                let decoder = JSONDecoder()
                decoder.keyDecodingStrategy = .convertFromSnakeCase
                list = try decoder.decode(ArtifactList.self, from: data)
            } catch {
                throw .unreadable("GitHub's artifact list is not the documented JSON")
            }
            items += list.artifacts
            if list.artifacts.count < 100 || items.count >= list.totalCount { break }
            page += 1
        }

        // A pattern whose first segment is literal names the artifact: download only that one.
        let firstSegment = selector.pattern.pattern.split(separator: "/").first.map(String.init) ?? ""
        let literalName = selector.pattern.pattern.contains("/") && !firstSegment.contains(where: { "*?{[".contains($0) })
            ? firstSegment : nil
        let candidates = items.filter { literalName == nil || $0.name == literalName }.sorted { $0.name < $1.name }
        let live = candidates.filter { !$0.expired }
        if live.isEmpty && !candidates.isEmpty {
            throw .expired(names: candidates.map(\.name))
        }

        var seen: [String] = items.map(\.name)
        for item in live {
            let zipURL = directory.appendingPathComponent("artifact-\(item.id).zip")
            defer { try? FileManager.default.removeItem(at: zipURL) }
            _ = try await withGitHub(repository) { (headers) async throws(ArtifactFetchError) in
                try await download(
                    "\(gitHubAPIURL)/repos/\(repository)/actions/artifacts/\(item.id)/zip", to: zipURL,
                    step: "download artifact \(item.name)", authorized: true, headers: headers)
            }
            let archive: Archive
            do {
                archive = try Archive(url: zipURL, accessMode: .read, pathEncoding: nil)
            } catch {
                throw .unreadable("artifact \(item.name) is not a zip archive")
            }
            let entries = archive.filter { $0.type == .file }.sorted { $0.path < $1.path }
            let names = entries.map { "\(item.name)/\($0.path)" }
            seen.removeAll { $0 == item.name }
            seen += names
            let matches = entries.filter { selector.accepts(name: "\(item.name)/\($0.path)") }
            guard let entry = matches.first else { continue }
            if matches.count > 1 {
                logger.notice(
                    "several files match the rule's artifact pattern; taking the first",
                    metadata: ["taken": "\(item.name)/\(entry.path)", "others": "\(matches.dropFirst().map(\.path))"])
            }
            let name = "\(item.name)/\(entry.path)"
            let target = directory.appendingPathComponent(Self.safeFileName(entry.path))
            return try extract(entry, from: archive, to: target, name: name)
        }
        // What was left may have held the match, but GitHub no longer has it: say so, not "no match".
        let expired = candidates.filter(\.expired)
        if !expired.isEmpty { throw .expired(names: expired.map(\.name)) }
        throw .noMatch(pattern: selector.description, available: seen)
    }

    func extract(_ entry: Entry, from archive: Archive, to target: URL, name: String) throws(ArtifactFetchError)
        -> Artifact
    {
        guard let kind = ArtifactKind(fileName: name) else { throw .unreadable("\(name) is not an .apk or .aab") }
        guard FileManager.default.createFile(atPath: target.path, contents: nil),
            let handle = try? FileHandle(forWritingTo: target)
        else {
            throw .unreadable("cannot write \(target.path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { chunk in
                hasher.update(data: chunk)
                size += Int64(chunk.count)
                try handle.write(contentsOf: chunk)
            }
        } catch {
            throw .unreadable("extracting \(name) failed: \(error)")
        }
        return Artifact(path: target.path, name: name, kind: kind, size: size, sha256: Self.hex(hasher.finalize()))
    }

    // MARK: HTTP

    /// `headers` carry the CI's credentials (`gitHubHeaders` for GitHub's).
    func request(_ url: String, authorized: Bool, headers: [(String, String)] = []) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers where authorized || !OutboundHTTP.credentialHeaders.contains(name.lowercased()) {
            request.headers.add(name: name, value: value)
        }
        return request
    }

    /// Runs `call` with GitHub's headers for `repository`; a 401 drops the token (an App's may have
    /// expired early) and tries once more with a fresh one.
    func withGitHub<T>(
        _ repository: String, _ call: ([(String, String)]) async throws(ArtifactFetchError) -> T
    ) async throws(ArtifactFetchError) -> T {
        guard let gitHub else {
            throw .unreadable("the build is from GitHub, but sources.github (token or app) is not configured")
        }
        for attempt in 1...2 {
            let authorization: String
            do {
                authorization = try await gitHub.authorization(repository: repository)
            } catch {
                throw .unreadable(error.description)
            }
            let headers = [
                ("Authorization", authorization), ("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"),
            ]
            do {
                return try await call(headers)
            } catch .http(let step, 401, let message, let hint) {
                await gitHub.refused(repository: repository)
                if attempt == 2 || !gitHub.canRefresh { throw .http(step: step, status: 401, message: message, hint: hint) }
            }
        }
        throw .unreadable("GitHub refused the credentials twice")
    }

    /// `hint` explains an HTTP error status for the CI asked (GitHub's hints by default). `url` is
    /// built from a configured API base URL.
    func getJSON(
        _ url: String, step: String, headers: [(String, String)] = [], hint: (@Sendable (Int) -> String?)? = nil
    ) async throws(ArtifactFetchError) -> Data {
        let hint = hint ?? Self.hint(status:)
        do {
            return try await http.withResponse(
                request(url, authorized: true, headers: headers), trust: trust(of: url), timeout: .seconds(60)
            ) { response, _ in
                let body = try await response.body.collect(upTo: 16 << 20)
                let data = Data(body.readableBytesView)
                guard response.status.code < 300 else {
                    throw ArtifactFetchError.http(
                        step: step, status: Int(response.status.code), message: Self.gitHubMessage(data),
                        hint: hint(Int(response.status.code)))
                }
                return data
            }
        } catch {
            throw Self.fetchError(error, step: step)
        }
    }

    /// `.configured` when `url` is on the origin of a configured API base URL (GitHub's or another
    /// CI's), `.external` for anything a webhook or a CI's answer named.
    func trust(of url: String) -> OutboundHTTP.Trust {
        guard let origin = Origin(url) else { return .external }
        let configured = [gitHubAPIURL, ci.gitlab?.apiURL, ci.bitrise?.apiURL, ci.buildkite?.apiURL, ci.circleci?.apiURL]
        return configured.contains { $0.flatMap(Origin.init) == origin } ? .configured : .external
    }

    static func fetchError(_ error: any Error, step: String) -> ArtifactFetchError {
        switch error {
        case let error as ArtifactFetchError: error
        case let error as OutboundRefusal: .refused(step: step, reason: error.description)
        default: .transport(step: step, reason: describe(error))
        }
    }

    /// Streams `url` into `target`, hashing on the way; the body is never held whole in memory.
    ///
    /// Redirects are followed by `OutboundHTTP` (at most 5 hops): credentials go only to the origin
    /// they were issued for, and every hop to another origin is checked against the private-network
    /// rule. With `restrictHosts`, every hop's host must also be in `allowedHosts`.
    ///
    /// With `announcing`, stores may read the file while it arrives: once the answer's
    /// `Content-Length` is known, the arrival is told the file's path and length, then how much of it
    /// is on disk. (Without a length the stores wait for the whole file, as media uploads must
    /// announce theirs.) The caller completes or fails the arrival: it knows when the file is checked.
    func download(
        _ url: String, to target: URL, step: String, authorized: Bool, headers: [(String, String)] = [],
        hint: (@Sendable (Int) -> String?)? = nil, restrictHosts: Bool = false, announcing: Announcement? = nil
    ) async throws(ArtifactFetchError) -> (Int64, String) {
        let (size, sha256, _) = try await downloadNamed(
            url, to: target, step: step, authorized: authorized, headers: headers, hint: hint, restrictHosts: restrictHosts,
            announcing: announcing)
        return (size, sha256)
    }

    /// Who to tell that a download may be read while it arrives, and what the file will be.
    struct Announcement: Sendable {
        var arrival: ArtifactArrival
        var name: String
        var kind: ArtifactKind
    }

    /// `download`, also returning the file name the answer's `Content-Disposition` suggests.
    func downloadNamed(
        _ url: String, to target: URL, step: String, authorized: Bool, headers: [(String, String)] = [],
        hint: (@Sendable (Int) -> String?)? = nil, restrictHosts: Bool = false, announcing: Announcement? = nil
    ) async throws(ArtifactFetchError) -> (Int64, String, String?) {
        let allowed = self
        do {
            return try await http.withResponse(
                request(url, authorized: authorized, headers: headers), trust: restrictHosts ? .external : trust(of: url),
                timeout: .seconds(1800),
                checkHop: { next in if restrictHosts { try allowed.checkAllowed(next) } }
            ) { response, _ in
                guard response.status.code < 300 else {
                    let body = try await response.body.collect(upTo: 1 << 16)
                    let status = Int(response.status.code)
                    throw ArtifactFetchError.http(
                        step: step, status: status, message: Self.gitHubMessage(Data(body.readableBytesView)),
                        hint: status == 410 ? "the artifact expired; re-run the build" : (hint ?? Self.hint(status:))(status))
                }
                let body = response.body
                let suggested = Self.suggestedFileName(response.headers.first(name: "content-disposition"))
                let length = response.headers.first(name: "content-length").flatMap { Int64($0) }
                let announced = length.flatMap { length in announcing.map { ($0, length) } }
                // Readers open the file by its path while it is written, so when stores read it as it
                // arrives it is created in place, not written elsewhere and renamed when closed.
                let (size, sha256) = try await FileSystem.shared.withFileHandle(
                    forWritingAt: FilePath(target.path),
                    options: OpenOptions.Write(existingFile: .truncate, newFile: .init(transactionalCreation: announced == nil))
                ) { handle in
                    if let (announcement, length) = announced {
                        await announcement.arrival.began(
                            Artifact(path: target.path, name: announcement.name, kind: announcement.kind, size: length, sha256: ""))
                    }
                    return try await handle.withBufferedWriter(capacity: .mebibytes(1)) { writer in
                        var hasher = SHA256()
                        var size: Int64 = 0
                        var reported: Int64 = 0
                        for try await buffer in body {
                            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                            size += Int64(buffer.readableBytes)
                            _ = try await writer.write(contentsOf: buffer)
                            if let (announcement, _) = announced, size - Int64(writer.bufferedBytes) > reported {
                                reported = size - Int64(writer.bufferedBytes)
                                await announcement.arrival.wrote(upTo: reported)
                            }
                        }
                        try await writer.flush()
                        if let (announcement, _) = announced { await announcement.arrival.wrote(upTo: size) }
                        if let length, size != length {
                            throw ArtifactFetchError.transport(
                                step: step, reason: "the download ended after \(size) of the \(length) bytes its Content-Length announced")
                        }
                        return (size, Self.hex(hasher.finalize()))
                    }
                }
                return (size, sha256, suggested)
            }
        } catch let error as FileSystemError {
            throw .unreadable("cannot write \(target.path): \(error.code)")
        } catch {
            throw Self.fetchError(error, step: step)
        }
    }

    /// Throws `.hostNotAllowed` when `url`'s host is not in `allowedHosts` (empty allows any).
    func checkAllowed(_ url: URL?) throws(ArtifactFetchError) {
        guard !allowedHosts.isEmpty else { return }
        let host = url?.host?.lowercased() ?? ""
        if !allowedHosts.contains(host) {
            throw .hostNotAllowed(host: host.isEmpty ? "(none)" : host, setting: Self.genericAllowlist)
        }
    }

    static let genericAllowlist = "sources.generic.allowed_artifact_hosts"

    static func hint(status: Int) -> String? {
        switch status {
        case 401: "the token in sources.github.token is invalid or expired (with sources.github.app: the App's installation token was refused)"
        case 403: "the token needs read access to Actions (fine-grained: Actions: read; classic: repo)"
        case 404: "the run or repository was not found, or the token cannot see it"
        default: nil
        }
    }

    static func gitHubMessage(_ data: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let message = object["message"] as? String
        {
            return message
        }
        let text = String(decoding: data.prefix(300), as: UTF8.self)
        if let code = text.range(of: "<Code>"), let end = text.range(of: "</Code>") {
            return String(text[code.upperBound..<end.lowerBound])
        }
        return text.isEmpty ? "no message" : text
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            return "connection failed (\(error))"
        }
        return "connection failed (\(type(of: error)))"
    }

    /// A URL without its query string, fragment and user-info (signed URLs carry their signature there).
    static func redacted(_ url: String) -> String { redactedURL(url) }

    static func safeFileName(_ path: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? "artifact"
        return last.isEmpty || last.hasPrefix(".") ? "artifact-" + last : last
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
