import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
package import SlipwayCore
import SlipwayHTTP

/// Reading one file of a repository at a build's commit (a repository's own rules file), with the
/// credentials the fetcher already holds for the build's CI.
///
/// Both hosts are asked for the file's blob id first and the content only when `cache` does not
/// have that blob: GitHub lists the file's folder at the commit (`GET /repos/{o}/{r}/contents/{dir}
/// ?ref=`, entries with their `sha`) and then reads `GET /repos/{o}/{r}/git/blobs/{sha}`; GitLab
/// answers `HEAD /projects/:id/repository/files/:path?ref=` with `X-Gitlab-Blob-Id`, then
/// `GET /projects/:id/repository/blobs/:sha/raw`.
extension ArtifactFetcher {
    /// Files above this size are not rules files; they are refused rather than read.
    static let maxRepositoryFileBytes = 256 * 1024

    /// The file at `path` in `repository` at commit `sha` (or a branch name: it is escaped for the
    /// query, `&` and `+` included); nil when the commit has no such file.
    /// GitLab builds read from GitLab, every other build from GitHub.
    package func repositoryFile(
        _ path: String, repository: String, sha: String, provider: BuildEvent.Provider, cache: RepositoryFileCache
    ) async throws(ArtifactFetchError) -> RepositoryFile? {
        switch provider {
        case .gitlab: try await gitLabFile(path, project: repository, sha: sha, cache: cache)
        default: try await gitHubFile(path, repository: repository, sha: sha, cache: cache)
        }
    }

    private func gitHubFile(
        _ path: String, repository: String, sha: String, cache: RepositoryFileCache
    ) async throws(ArtifactFetchError) -> RepositoryFile? {
        let folder = path.split(separator: "/").dropLast().joined(separator: "/")
        let listing = "\(gitHubAPIURL)/repos/\(repository)/contents\(folder.isEmpty ? "" : "/" + Self.escapedPath(folder))?ref=\(Self.escapedComponent(sha))"
        let step = "list \(folder.isEmpty ? "the repository's root" : folder) at \(sha.prefix(7))"
        let data: Data
        do {
            data = try await withGitHub(repository) { (headers) async throws(ArtifactFetchError) in
                try await getJSON(listing, step: step, headers: headers)
            }
        } catch .http(_, 404, _, _) {
            return nil
        }
        struct Entry: Decodable {
            var path: String
            var sha: String
            var type: String
            var size: Int?
        }
        guard let entries = try? JSONDecoder().decode([Entry].self, from: data) else {
            throw .unreadable("\(step): GitHub's answer is not the documented list of folder entries")
        }
        guard let entry = entries.first(where: { $0.path == path }) else { return nil }
        guard entry.type == "file" else { throw .unreadable("\(path) at \(sha.prefix(7)) is a \(entry.type), not a file") }
        try Self.checkSize(entry.size, path: path, sha: sha)
        return try await cached(path, blobID: entry.sha, key: "github:\(repository):\(entry.sha)", sha: sha, cache: cache) {
            () async throws(ArtifactFetchError) -> Data in
            let blobStep = "read \(path) at \(sha.prefix(7))"
            let blob = try await withGitHub(repository) { (headers) async throws(ArtifactFetchError) in
                try await getJSON("\(gitHubAPIURL)/repos/\(repository)/git/blobs/\(entry.sha)", step: blobStep, headers: headers)
            }
            struct Blob: Decodable {
                var content: String
                var encoding: String
            }
            guard let decoded = try? JSONDecoder().decode(Blob.self, from: blob), decoded.encoding == "base64",
                let bytes = Data(base64Encoded: decoded.content.filter { !$0.isWhitespace })
            else {
                throw .unreadable("\(blobStep): GitHub's answer is not a base64 blob")
            }
            return bytes
        }
    }

    private func gitLabFile(
        _ path: String, project: String, sha: String, cache: RepositoryFileCache
    ) async throws(ArtifactFetchError) -> RepositoryFile? {
        guard let access = ci.gitlab else {
            throw .unreadable("the build is from GitLab, but sources.gitlab (with a token) is not configured")
        }
        let headers = [("Authorization", "Bearer \(access.token.revealed)")]
        let projectID = Self.escapedComponent(project)
        let step = "look up \(path) at \(sha.prefix(7))"
        let (status, answerHeaders) = try await head(
            "\(access.apiURL)/projects/\(projectID)/repository/files/\(Self.escapedComponent(path))?ref=\(Self.escapedComponent(sha))",
            step: step, headers: headers)
        if status == 404 { return nil }
        guard (200..<300).contains(status) else {
            throw .http(step: step, status: status, message: "GitLab refused the file lookup", hint: Self.gitLabHint(status: status))
        }
        guard let blobID = answerHeaders.first(name: "X-Gitlab-Blob-Id"), !blobID.isEmpty else {
            throw .unreadable("\(step): GitLab's answer has no X-Gitlab-Blob-Id")
        }
        try Self.checkSize(answerHeaders.first(name: "X-Gitlab-Size").flatMap(Int.init), path: path, sha: sha)
        return try await cached(path, blobID: blobID, key: "gitlab:\(project):\(blobID)", sha: sha, cache: cache) {
            () async throws(ArtifactFetchError) -> Data in
            try await getJSON(
                "\(access.apiURL)/projects/\(projectID)/repository/blobs/\(blobID)/raw", step: "read \(path) at \(sha.prefix(7))",
                headers: headers, hint: Self.gitLabHint(status:))
        }
    }

    /// The file from `cache` when it has the blob; otherwise `read`, checked and kept there.
    private func cached(
        _ path: String, blobID: String, key: String, sha: String, cache: RepositoryFileCache,
        read: () async throws(ArtifactFetchError) -> Data
    ) async throws(ArtifactFetchError) -> RepositoryFile {
        if let text = await cache.text(for: key) { return RepositoryFile(path: path, blobID: blobID, text: text) }
        let bytes = try await read()
        try Self.checkSize(bytes.count, path: path, sha: sha)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw .unreadable("\(path) at \(sha.prefix(7)) is not UTF-8 text")
        }
        await cache.store(text, for: key)
        return RepositoryFile(path: path, blobID: blobID, text: text)
    }

    /// A rules file is small: one larger than `maxRepositoryFileBytes` is refused, not read.
    private static func checkSize(_ size: Int?, path: String, sha: String) throws(ArtifactFetchError) {
        guard let size, size > maxRepositoryFileBytes else { return }
        throw .unreadable("\(path) at \(sha.prefix(7)) is \(size) bytes; a rules file may have at most \(maxRepositoryFileBytes)")
    }

    private func head(
        _ url: String, step: String, headers: [(String, String)]
    ) async throws(ArtifactFetchError) -> (Int, HTTPHeaders) {
        var built = request(url, authorized: true, headers: headers)
        built.method = .HEAD
        do {
            return try await http.withResponse(built, trust: trust(of: url), timeout: .seconds(30)) { response, _ in
                (Int(response.status.code), response.headers)
            }
        } catch {
            throw Self.fetchError(error, step: step)
        }
    }

    /// A path with each segment percent-encoded, slashes kept (GitHub's contents API).
    static func escapedPath(_ path: String) -> String {
        path.split(separator: "/").map { escapedComponent(String($0)) }.joined(separator: "/")
    }

    /// One URL path segment, slashes included (GitLab's project and file ids).
    static func escapedComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
