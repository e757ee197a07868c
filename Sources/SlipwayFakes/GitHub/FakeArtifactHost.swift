package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback file host standing in for a CI's artifact storage (the generic hook's `artifact_url`):
/// serves registered files by path, optionally behind a redirect, and counts downloads.
package actor FakeArtifactHost {
    private var files: [String: Data] = [:]
    private var redirects: [String: String] = [:]
    private var dispositions: [String: String] = [:]
    /// Completed downloads per path.
    package private(set) var downloads: [String: Int] = [:]
    /// Every request's path and headers (lowercased names), in order: what a redirect carried along.
    package private(set) var requests: [(path: String, headers: [String: String])] = []

    /// Paths whose answer stops after a number of bytes until `release(path:failing:)`.
    private var holds: [String: Hold] = [:]

    private struct Hold {
        var after: Int
        var reached = false
        /// nil until released; then whether the rest is sent (false) or the connection dropped (true).
        var failing: Bool?
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    package init() {}

    /// Serves `path` with its full `Content-Length`, but only its first `after` bytes until
    /// `release(path:failing:)`: a download still arriving, which then completes or breaks off.
    package func hold(path: String, after: Int) {
        holds[path] = Hold(after: after)
    }

    /// True once a download of the held `path` has sent its first part and waits.
    package func holdReached(_ path: String) -> Bool {
        holds[path]?.reached ?? false
    }

    /// Sends the rest of the held `path`, or with `failing` drops the connection instead.
    package func release(path: String, failing: Bool = false) {
        guard var hold = holds[path] else { return }
        hold.failing = failing
        for continuation in hold.waiting { continuation.resume(returning: failing) }
        hold.waiting = []
        holds[path] = hold
    }

    /// Called by a held answer once its first part is written: waits for the release.
    private func waitAtHold(_ path: String) async -> Bool {
        guard var hold = holds[path] else { return false }
        hold.reached = true
        holds[path] = hold
        if let failing = hold.failing { return failing }
        return await withCheckedContinuation { continuation in
            holds[path]?.waiting.append(continuation)
        }
    }

    /// - Parameter fileName: sent as `Content-Disposition: attachment; filename="…"` (URLs like `/latest`).
    package func add(path: String, data: Data, fileName: String? = nil) {
        files[path] = data
        dispositions[path] = fileName.map { "attachment; filename=\"\($0)\"" }
    }

    /// Makes `path` answer 302 to `target` (another registered path, or an absolute URL on another host).
    package func redirect(path: String, to target: String) {
        redirects[path] = target
    }

    /// - Parameter host: the loopback address to listen on (`127.0.0.2` is another host to the client).
    package nonisolated func run<T: Sendable>(
        logLevel: Logger.Level = .critical, host: String = "127.0.0.1", body: (String) async throws -> T
    ) async throws -> T {
        let router = Router(context: BasicRequestContext.self)
        router.get("**") { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            headers["host"] = request.head.authority  // HTTP types keep Host as the authority
            return await self.serve(request.uri.path, headers: headers)
        }
        return try await FakeServer.run(router, name: "artifacts", logLevel: logLevel, host: host, body: body)
    }

    /// Names of the headers any request to this host carried.
    package var headerNamesSeen: Set<String> {
        Set(requests.flatMap { $0.headers.keys })
    }

    private func serve(_ path: String, headers: [String: String]) -> Response {
        requests.append((path, headers))
        if let target = redirects[path] {
            return Response(status: .found, headers: [.location: target])
        }
        guard let data = files[path] else {
            return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "no such artifact")))
        }
        downloads[path, default: 0] += 1
        if let hold = holds[path] {
            let first = ByteBuffer(bytes: data.prefix(hold.after))
            let rest = ByteBuffer(bytes: data.dropFirst(hold.after))
            return Response(
                status: .ok, headers: [.contentType: "application/vnd.android.package-archive"],
                body: ResponseBody(contentLength: data.count) { writer in
                    try await writer.write(first)
                    if await self.waitAtHold(path) { throw FakeConnectionReset() }
                    try await writer.write(rest)
                    try await writer.finish(nil)
                })
        }
        var response = Response(
            status: .ok, headers: [.contentType: "application/vnd.android.package-archive"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        if let disposition = dispositions[path] { response.headers[.contentDisposition] = disposition }
        return response
    }
}
