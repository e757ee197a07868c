package import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for the parts of the Bitrise API v0.1 Slipway uses (devcenter API reference):
///
/// - `GET /v0.1/apps/{app}/builds/{build}` → `data` with `commit_hash`, `branch`, `status`, …;
/// - `GET /v0.1/apps/{app}/builds/{build}/artifacts` → `data[]` of `{slug, title, artifact_type, …}`, `paging`;
/// - `GET /v0.1/apps/{app}/builds/{build}/artifacts/{artifact}` → `data.expiring_download_url`, a
///   pre-signed link that 403s after its deadline (and when it carries an `Authorization` header, as S3 does).
///
/// Every API call checks `Authorization: <token>` (no `Bearer`; 401 otherwise).
package actor FakeBitrise {
    package let token: String
    struct Build {
        var commitHash: String?
        var branch: String
        var artifacts: [(slug: String, title: String, data: Data)]
        /// Set by `finish`: the build shows in `GET /apps/{app}/builds`.
        var listing: FakeBitriseListing?
    }
    var builds: [String: Build] = [:]
    private var baseURL = ""
    private var linkLifetime: TimeInterval = 600
    private var externalStorage: ExternalArtifactStorage?

    package internal(set) var requestLog: [String] = []
    /// Downloads refused because the link had expired or carried `Authorization`.
    package private(set) var refusedDownloads = 0

    package init(token: String) {
        self.token = token
    }

    /// Adds a finished build whose artifacts are `artifacts` (title → bytes).
    package func addBuild(app: String, slug: String, commitHash: String?, branch: String = "main", artifacts: [String: Data]) {
        let list = artifacts.keys.sorted().enumerated().map { (slug: "art\($0.offset)", title: $0.element, data: artifacts[$0.element]!) }
        builds["\(app)/\(slug)"] = Build(commitHash: commitHash, branch: branch, artifacts: list)
    }

    /// How long new download links stay valid (Bitrise: 10 minutes); 0 makes them expired at once.
    package func setLinkLifetime(_ seconds: TimeInterval) {
        linkLifetime = seconds
    }

    /// Serves the API while `body` runs; `body` gets `http://127.0.0.1:PORT/v0.1` (`sources.bitrise.api_url`).
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        try await FakeServer.run(router(), name: "bitrise", logLevel: logLevel) { base in
            await self.setBaseURL(base)
            return try await body(base + "/v0.1")
        }
    }

    private func setBaseURL(_ url: String) {
        baseURL = url
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        addBuildListingRoutes(to: router)
        router.get("/v0.1/apps/:app/builds/:build") { request, context in
            await self.handle(request, context, "GET build") { build, _ in
                FakeGitHub.json(.ok, ["data": [
                    "slug": context.parameters.get("build") ?? "", "commit_hash": build.commitHash ?? NSNull(),
                    "branch": build.branch, "status": 1, "status_text": "success", "pull_request_id": 0,
                ] as [String: Any]])
            }
        }
        router.get("/v0.1/apps/:app/builds/:build/artifacts") { request, context in
            await self.handle(request, context, "GET artifacts") { build, _ in
                FakeGitHub.json(.ok, [
                    "data": build.artifacts.map {
                        ["slug": $0.slug, "title": $0.title, "artifact_type": $0.title.hasSuffix(".apk") ? "android-apk" : "file",
                         "file_size_bytes": $0.data.count, "is_public_page_enabled": false] as [String: Any]
                    },
                    "paging": ["total_item_count": build.artifacts.count, "page_item_limit": 50],
                ])
            }
        }
        router.get("/v0.1/apps/:app/builds/:build/artifacts/:artifact") { request, context in
            let artifact = context.parameters.get("artifact") ?? ""
            let key = "\(context.parameters.get("app") ?? "")/\(context.parameters.get("build") ?? "")"
            return await self.handle(request, context, "GET artifact \(artifact)") { build, fake in
                guard let item = build.artifacts.first(where: { $0.slug == artifact }) else {
                    return FakeGitHub.json(.notFound, ["message": "Not Found"])
                }
                let deadline = Date().timeIntervalSince1970 + fake.lifetime
                let url = "\(fake.base)/download/\(key)/\(item.slug)?X-Amz-Expires=\(deadline)&X-Amz-Signature=s3cr3tsig"
                return FakeGitHub.json(.ok, ["data": [
                    "title": item.title, "slug": item.slug, "expiring_download_url": url,
                    "public_install_page_url": "",
                ]])
            }
        }
        router.get("/download/:app/:build/:artifact") { request, context in
            let key = "\(context.parameters.get("app") ?? "")/\(context.parameters.get("build") ?? "")"
            let deadline = request.uri.queryParameters.get("X-Amz-Expires", as: Double.self) ?? 0
            return await self.download(
                key: key, artifact: context.parameters.get("artifact") ?? "", deadline: deadline,
                hasAuthorization: request.headers[.authorization] != nil)
        }
        return router
    }

    private func handle(
        _ request: Request, _ context: BasicRequestContext, _ what: String,
        answer: @Sendable (Build, (base: String, lifetime: TimeInterval)) -> Response
    ) -> Response {
        let key = "\(context.parameters.get("app") ?? "")/\(context.parameters.get("build") ?? "")"
        requestLog.append("\(what) \(key)")
        guard request.headers[.authorization] == token else {
            return FakeGitHub.json(.unauthorized, ["message": "Unauthorized"])
        }
        guard let build = builds[key] else { return FakeGitHub.json(.notFound, ["message": "Not Found"]) }
        return answer(build, (baseURL, linkLifetime))
    }

    /// Artifact downloads answer 302 to `storage` (another origin) instead of serving the bytes.
    package func useExternalStorage(_ storage: ExternalArtifactStorage) {
        externalStorage = storage
    }

    private func download(key: String, artifact: String, deadline: Double, hasAuthorization: Bool) async -> Response {
        requestLog.append("GET download \(key)/\(artifact)")
        guard !hasAuthorization, deadline > Date().timeIntervalSince1970,
            let item = builds[key]?.artifacts.first(where: { $0.slug == artifact })
        else {
            refusedDownloads += 1
            return FakeGitHub.xml(.forbidden, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
        }
        if let externalStorage { return await externalStorage.redirect(key: "bitrise-\(item.slug)", data: item.data) }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: item.data)))
    }
}
