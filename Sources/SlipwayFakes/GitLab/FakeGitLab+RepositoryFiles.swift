import Foundation
import Hummingbird
import NIOCore

/// Repository files at a commit, from GitLab's `doc/api/repository_files.md` and `repositories.md`:
///
/// - `HEAD /projects/:id/repository/files/:file_path?ref=SHA` (the path URL-encoded, `%2F` for
///   `/`): no body, the file's metadata in `X-Gitlab-Blob-Id`, `X-Gitlab-File-Path`,
///   `X-Gitlab-Size`, `X-Gitlab-Commit-Id`; 404 when the commit has no such file.
/// - `GET` on the same route: the metadata and base64 `content` as JSON.
/// - `GET /projects/:id/repository/blobs/:sha/raw`: the blob's bytes.
extension FakeGitLab {
    /// Records commit `sha` of `project` (its path, `group/app`) with these files (path → content).
    package func commit(_ sha: String, in project: String, files: [String: String]) {
        commits[project, default: [:]][sha] = files.mapValues { Data($0.utf8) }
    }

    nonisolated func addRepositoryFileRoutes(to router: Router<BasicRequestContext>) {
        router.head("/api/v4/projects/:project/repository/files/:file") { request, context in
            let (project, file, ref) = Self.fileRequest(request, context)
            return await self.listing(request, "HEAD file \(project)@\(ref):\(file)") {
                await self.file(project: project, path: file, ref: ref, withContent: false)
            }
        }
        router.get("/api/v4/projects/:project/repository/files/:file") { request, context in
            let (project, file, ref) = Self.fileRequest(request, context)
            return await self.listing(request, "GET file \(project)@\(ref):\(file)") {
                await self.file(project: project, path: file, ref: ref, withContent: true)
            }
        }
        router.get("/api/v4/projects/:project/repository/blobs/:sha/raw") { request, context in
            let project = Self.decoded(context.parameters.get("project"))
            let sha = context.parameters.get("sha") ?? ""
            return await self.listing(request, "GET raw blob \(project) \(sha)") { await self.rawBlob(project: project, sha: sha) }
        }
    }

    private static func fileRequest(_ request: Request, _ context: BasicRequestContext) -> (String, String, String) {
        (
            decoded(context.parameters.get("project")), decoded(context.parameters.get("file")),
            request.uri.queryParameters.get("ref") ?? ""
        )
    }

    private func file(project: String, path: String, ref: String, withContent: Bool) -> Response {
        guard let content = commits[project]?[ref]?[path] else {
            return FakeGitHub.json(.notFound, ["message": "404 File Not Found"])
        }
        let blobID = FakeGitHub.blobID(content)
        var response: Response
        if withContent {
            response = FakeGitHub.json(
                .ok,
                [
                    "file_name": String(path.split(separator: "/").last ?? ""), "file_path": path, "size": content.count,
                    "encoding": "base64", "content": content.base64EncodedString(), "ref": ref, "blob_id": blobID,
                    "commit_id": ref,
                ])
        } else {
            response = Response(status: .ok)
        }
        response.headers[.init("X-Gitlab-Blob-Id")!] = blobID
        response.headers[.init("X-Gitlab-File-Path")!] = path
        response.headers[.init("X-Gitlab-Size")!] = String(content.count)
        response.headers[.init("X-Gitlab-Commit-Id")!] = ref
        return response
    }

    private func rawBlob(project: String, sha: String) -> Response {
        guard let content = FakeGitHub.blob(sha, in: commits[project]) else {
            return FakeGitHub.json(.notFound, ["message": "404 Blob Not Found"])
        }
        rawBlobsServed += 1
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: content)))
    }
}
