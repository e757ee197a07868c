import Crypto
import Foundation
package import Hummingbird
package import Logging
import _CryptoExtras

/// A loopback stand-in for Google Play internal app sharing and Google's OAuth token endpoint,
/// built from the public API description, not from Slipway's client.
///
/// - `POST /token`: the JWT-bearer grant. Verifies the assertion's RS256 signature against a
///   registered service account, and `iss`, `aud` (this fake's `/token` URL), `scope`,
///   `exp − iat ≤ 3600` and `iat` not in the future; answers `access_token`/`expires_in`, or
///   Google-shaped errors (`invalid_grant` / `Invalid JWT Signature.`).
/// - `POST /upload/androidpublisher/v3/applications/internalappsharing/{pkg}/artifacts/{apk|bundle}`
///   with `uploadType=media` (whole body) or `uploadType=resumable` (starts a session; `Location`
///   carries an opaque `upload_id`), and `PUT` on the session URI for chunks (`Content-Range`,
///   `308` + `Range`) and status queries (`bytes */N`).
///
/// Bodies are streamed and hashed as they arrive, never collected. Faults are queued per request;
/// everything that happened can be inspected afterwards.
///
/// ```swift
/// let play = FakeGooglePlay()
/// await play.register(account)
/// await play.addPackage("com.example.app")
/// try await play.run { baseURL in … token_uri = baseURL + "/token" … }
/// ```
package actor FakeGooglePlay {
    package static let scope = "https://www.googleapis.com/auth/androidpublisher"

    struct Session {
        var packageName: String
        var kind: String
        var contentType: String?
        var totalBytes: Int64?
        var receivedBytes: Int64 = 0
        var hasher = SHA256()
        var completed: [String: String]?
    }

    private var tokenLifetimeSeconds: Int
    private var accounts: [String: _RSA.Signing.PublicKey] = [:]
    private var packages: Set<String> = []
    private var faults: [FakeGooglePlayFault] = []
    private var tokenFaults: [FakeGoogleTokenFault] = []
    private var reportWrongSHA256 = false
    private var tokens: [String: Date] = [:]
    var sessions: [String: Session] = [:]

    /// Access tokens handed out so far.
    package private(set) var tokensIssued = 0
    /// Token requests refused, with the OAuth `error` code (`invalid_grant`, …).
    package private(set) var tokenErrors: [String] = []
    /// Uploads completed, in order.
    package private(set) var uploads: [FakeGooglePlayUpload] = []
    /// Requests to the upload endpoints, in order.
    package private(set) var requests: [FakeGooglePlayRequest] = []

    /// - Parameter tokenLifetimeSeconds: `expires_in` of issued tokens (Google: 3599). Tokens are
    ///   refused once it has passed, so a short value tests refreshing.
    package init(tokenLifetimeSeconds: Int = 3599) {
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
    }

    // MARK: Setup

    /// Trusts `account`'s public key for its email (replacing any earlier key of that email).
    package func register(_ account: FakeServiceAccount) {
        accounts[account.email] = account.publicKey
    }

    /// Makes `packageName` an app of this developer account; uploads for others get 404.
    package func addPackage(_ packageName: String) {
        packages.insert(packageName)
    }

    package func setTokenLifetime(seconds: Int) {
        tokenLifetimeSeconds = seconds
    }

    /// Queues faults for the next upload requests, one per request, in order.
    package func enqueue(_ faults: FakeGooglePlayFault...) {
        self.faults.append(contentsOf: faults)
    }

    /// Queues faults for the next token requests, one per request, in order.
    package func enqueueTokenFaults(_ faults: FakeGoogleTokenFault...) {
        tokenFaults.append(contentsOf: faults)
    }

    // MARK: Inspection

    /// Media upload bytes read so far, counting requests still in progress and ones that broke off.
    package private(set) var mediaBytesStreamed: Int64 = 0

    func mediaBytesArrived(_ count: Int64) {
        mediaBytesStreamed += count
    }

    /// Body bytes read from all upload requests together (chunks sent twice count twice).
    package var uploadBodyBytesReceived: Int64 { requests.reduce(0) { $0 + $1.bodyBytes } }

    /// Completed uploads of one package.
    package func uploads(of packageName: String) -> [FakeGooglePlayUpload] {
        uploads.filter { $0.packageName == packageName }
    }

    /// Faults still waiting for a request.
    package var pendingFaults: [FakeGooglePlayFault] { faults }

    // MARK: Running

    /// The routes, for callers that mount them in their own server.
    package nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.post("/token") { request, _ in try await self.handleToken(request) }
        let artifactPath = "/upload/androidpublisher/v3/applications/internalappsharing/:packageName/artifacts/:kind"
        router.post(RouterPath(artifactPath)) { request, context in
            try await self.handleUpload(request, context: context)
        }
        router.put(RouterPath(artifactPath)) { request, context in
            try await self.handleUpload(request, context: context)
        }
        return router
    }

    /// Serves the fake on a free loopback port while `body` runs; `body` gets the base URL
    /// (`http://127.0.0.1:PORT`), which is both `api_url` and, plus `/token`, the `token_uri`.
    package nonisolated func run<T: Sendable>(
        logLevel: Logger.Level = .critical, body: (String) async throws -> T
    ) async throws -> T {
        try await FakeServer.run(router(), name: "google-play", logLevel: logLevel, body: body)
    }

    // MARK: State used by the handlers

    func nextFault() -> FakeGooglePlayFault? {
        guard !faults.isEmpty else { return nil }
        let fault = faults.removeFirst()
        if fault == .wrongSHA256 { reportWrongSHA256 = true }
        return fault
    }

    func nextTokenFault() -> FakeGoogleTokenFault? {
        tokenFaults.isEmpty ? nil : tokenFaults.removeFirst()
    }

    func publicKey(of email: String) -> _RSA.Signing.PublicKey? { accounts[email] }

    /// Every access token handed out so far (tests search Slipway's outputs for them).
    package var issuedTokens: [String] { Array(tokens.keys) }

    package func issueToken() -> (token: String, expiresIn: Int) {
        let token = "ya29.fake-" + FakeOpaque.base64URL(length: 40)
        tokens[token] = Date().addingTimeInterval(TimeInterval(tokenLifetimeSeconds))
        tokensIssued += 1
        return (token, tokenLifetimeSeconds)
    }

    func recordTokenError(_ error: String) { tokenErrors.append(error) }

    func isValid(authorization: String?) -> Bool {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        guard let expiry = tokens[String(authorization.dropFirst(7))] else { return false }
        return expiry > Date()
    }

    func knows(package packageName: String) -> Bool { packages.contains(packageName) }

    func record(_ request: FakeGooglePlayRequest) { requests.append(request) }

    /// Records a completed upload and returns its `InternalAppSharingArtifact` JSON fields.
    func complete(
        packageName: String, kind: String, uploadProtocol: String, contentType: String?, byteCount: Int64,
        sha256: String
    ) -> [String: String] {
        let downloadURL = "https://play.google.com/apps/test/\(FakeOpaque.base64URL(length: 11))/\(FakeOpaque.base64URL(length: 32))"
        uploads.append(
            FakeGooglePlayUpload(
                packageName: packageName, kind: kind, uploadProtocol: uploadProtocol, contentType: contentType,
                byteCount: byteCount, sha256: sha256, downloadURL: downloadURL))
        var reported = sha256
        if reportWrongSHA256 {
            reportWrongSHA256 = false
            reported = SHA256.hash(data: Data("not the bytes you sent".utf8)).hexString
        }
        let certificate = SHA256.hash(data: Data("fake-upload-certificate:\(packageName)".utf8))
            .map { String(format: "%02X", $0) }.joined(separator: ":")
        return ["downloadUrl": downloadURL, "certificateFingerprint": certificate, "sha256": reported]
    }
}

extension Digest {
    /// Lowercase hex, as `sha256sum` prints it.
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
