import Crypto
import Foundation
import Hummingbird
import NIOCore

/// Repository contents at a commit, from GitHub's REST docs ("Get repository content", "Get a blob"):
///
/// - `GET /repos/{o}/{r}/contents/{path}?ref=SHA` on a folder lists its entries (`name`, `path`,
///   `sha` — the git blob id —, `size`, `type` `file`/`dir`); on a file it answers the file with its
///   base64 `content`; 404 `Not Found` for a path or commit that does not exist.
/// - `GET /repos/{o}/{r}/git/blobs/{sha}`: `{"sha", "size", "encoding": "base64", "content"}`,
///   the content broken into 60-character lines as GitHub sends it.
extension FakeGitHub {
    /// Records commit `sha` of `repository` with these files (path → content).
    package func commit(_ sha: String, in repository: String, files: [String: String]) {
        commits[repository, default: [:]][sha] = files.mapValues { Data($0.utf8) }
        knownRepositories.insert(repository)
    }

    /// The content whose blob id is `id`, in any commit of one repository (`commits` by commit, then path).
    static func blob(_ id: String, in commits: [String: [String: Data]]?) -> Data? {
        for files in (commits ?? [:]).values {
            if let content = files.values.first(where: { blobID($0) == id }) { return content }
        }
        return nil
    }

    /// Git's blob id: sha1 of `blob <size>\0<content>`.
    static func blobID(_ content: Data) -> String {
        Insecure.SHA1.hash(data: Data("blob \(content.count)\u{0}".utf8) + content).map { String(format: "%02x", $0) }.joined()
    }

    nonisolated func addContentsRoutes(to router: Router<BasicRequestContext>) {
        router.get("/repos/:owner/:repo/contents") { request, context in
            let repository = Self.repository(context)
            let ref = request.uri.queryParameters.get("ref") ?? ""
            return try await self.authorized(request, route: .contents, "GET contents \(repository)@\(ref):/") {
                await self.contents(repository: repository, path: "", ref: ref)
            }
        }
        router.get("/repos/:owner/:repo/contents/**") { request, context in
            let repository = Self.repository(context)
            let path = context.parameters.getCatchAll().joined(separator: "/").removingPercentEncoding ?? ""
            let ref = request.uri.queryParameters.get("ref") ?? ""
            return try await self.authorized(request, route: .contents, "GET contents \(repository)@\(ref):\(path)") {
                await self.contents(repository: repository, path: path, ref: ref)
            }
        }
        router.get("/repos/:owner/:repo/git/blobs/:sha") { request, context in
            let repository = Self.repository(context)
            let sha = context.parameters.get("sha") ?? ""
            return try await self.authorized(request, route: .blob, "GET blob \(repository) \(sha)") {
                await self.gitBlob(repository: repository, sha: sha)
            }
        }
    }

    private func contents(repository: String, path: String, ref: String) -> Response {
        guard let files = commits[repository]?[ref] else { return Self.notFound() }
        if let content = files[path] {
            return Self.json(.ok, entry(path: path, content: content, withContent: true))
        }
        let prefix = path.isEmpty ? "" : path + "/"
        var entries: [String: [String: Any]] = [:]
        for (filePath, content) in files where filePath.hasPrefix(prefix) {
            let rest = filePath.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                let name = String(rest[..<slash])
                entries[name] = ["name": name, "path": prefix + name, "type": "dir", "size": 0, "sha": Self.blobID(Data(name.utf8))]
            } else {
                entries[String(rest)] = entry(path: filePath, content: content, withContent: false)
            }
        }
        guard !entries.isEmpty else { return Self.notFound() }
        return Self.json(.ok, entries.keys.sorted().compactMap { entries[$0] })
    }

    private func entry(path: String, content: Data, withContent: Bool) -> [String: Any] {
        var entry: [String: Any] = [
            "name": String(path.split(separator: "/").last ?? ""), "path": path, "type": "file", "size": content.count,
            "sha": Self.blobID(content),
        ]
        if withContent {
            entry["encoding"] = "base64"
            entry["content"] = Self.wrapped(content.base64EncodedString())
        }
        return entry
    }

    private func gitBlob(repository: String, sha: String) -> Response {
        guard let content = Self.blob(sha, in: commits[repository]) else { return Self.notFound() }
        gitBlobsServed += 1
        return Self.json(
            .ok, ["sha": sha, "size": content.count, "encoding": "base64", "content": Self.wrapped(content.base64EncodedString())])
    }

    static func wrapped(_ base64: String) -> String {
        stride(from: 0, to: base64.count, by: 60).map { start in
            let from = base64.index(base64.startIndex, offsetBy: start)
            return String(base64[from..<(base64.index(from, offsetBy: 60, limitedBy: base64.endIndex) ?? base64.endIndex)])
        }.joined(separator: "\n") + "\n"
    }

    static func notFound() -> Response {
        json(.notFound, ["message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content"])
    }
}
