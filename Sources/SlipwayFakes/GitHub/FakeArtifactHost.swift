package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback file host standing in for a CI's artifact storage (the generic hook's `artifact_url`):
/// serves registered files by path, optionally behind a redirect, and counts downloads.
package actor FakeArtifactHost {
    private var files: [String: Data] = [:]
    private var redirects: [String: String] = [:]
    /// Completed downloads per path.
    package private(set) var downloads: [String: Int] = [:]

    package init() {}

    package func add(path: String, data: Data) {
        files[path] = data
    }

    /// Makes `path` answer 302 to `target` (another registered path).
    package func redirect(path: String, to target: String) {
        redirects[path] = target
    }

    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        let router = Router(context: BasicRequestContext.self)
        router.get("**") { request, _ in
            await self.serve(request.uri.path)
        }
        return try await FakeServer.run(router, name: "artifacts", logLevel: logLevel, body: body)
    }

    private func serve(_ path: String) -> Response {
        if let target = redirects[path] {
            return Response(status: .found, headers: [.location: target])
        }
        guard let data = files[path] else {
            return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "no such artifact")))
        }
        downloads[path, default: 0] += 1
        return Response(
            status: .ok, headers: [.contentType: "application/vnd.android.package-archive"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
