import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The upload endpoints: media uploads, resumable sessions (start, chunks, status queries).
extension FakeGooglePlay {
    /// Non-final chunks must be multiples of this (Google's resumable rule).
    static let chunkGranularity: Int64 = 256 * 1024

    nonisolated func handleUpload(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let packageName = context.parameters.get("packageName") ?? ""
        let kind = context.parameters.get("kind") ?? ""
        let query = request.uri.queryParameters
        let uploadType = query["uploadType"].map(String.init)
        let uploadID = query["upload_id"].map(String.init)
        let contentRange = request.headers[.contentRange]
        let isSessionRequest = request.method == .put
        var bodyBytes: Int64 = 0

        func finish(_ response: Response) async -> Response {
            await record(
                FakeGooglePlayRequest(
                    method: request.method.rawValue, path: request.uri.path, uploadType: uploadType,
                    isSessionRequest: isSessionRequest, contentRange: contentRange, bodyBytes: bodyBytes,
                    status: response.status.code))
            return response
        }
        func drainThen(_ response: Response) async throws -> Response {
            for try await buffer in request.body { bodyBytes += Int64(buffer.readableBytes) }
            return await finish(response)
        }

        let fault = await nextFault()
        if case .delay(let duration) = fault { try await Task.sleep(for: duration) }

        guard await isValid(authorization: request.headers[.authorization]) else {
            return try await drainThen(FakeGoogleResponses.apiError(401))
        }
        if case .status(let code, let reason, let message, let retryAfter) = fault {
            return try await drainThen(
                FakeGoogleResponses.apiError(code, reason: reason, message: message, retryAfterSeconds: retryAfter))
        }
        if fault == .resetConnection {
            // Promise a body, then fail while writing it: the server closes the connection.
            return try await drainThen(
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody(contentLength: 64) { _ in throw FakeConnectionReset() }))
        }
        if fault == .sessionExpired, isSessionRequest, let uploadID {
            await dropSession(uploadID)
            return try await drainThen(FakeGoogleResponses.apiError(410))
        }
        guard await knows(package: packageName) else {
            return try await drainThen(
                FakeGoogleResponses.apiError(
                    404, reason: "applicationNotFound", message: "No application was found for the given package name."))
        }
        guard kind == "apk" || kind == "bundle" else {
            return try await drainThen(FakeGoogleResponses.apiError(404))
        }
        let contentType = request.headers[.contentType]
        let failAfterStoring: Int? = if case .failAfterStoringChunk(let status) = fault { status } else { nil }

        switch (request.method, uploadType, uploadID) {
        case (.post, "media", nil):
            if kind == "bundle", let contentType, contentType != "application/octet-stream" {
                return try await drainThen(
                    FakeGoogleResponses.apiError(400, message: "Media type '\(contentType)' is not supported."))
            }
            var hasher = SHA256()
            for try await buffer in request.body {
                bodyBytes += Int64(buffer.readableBytes)
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                await mediaBytesArrived(Int64(buffer.readableBytes))
            }
            if let declared = request.headers[.contentLength].flatMap(Int64.init), declared != bodyBytes {
                return await finish(FakeGoogleResponses.apiError(400, message: "Content-Length does not match the body."))
            }
            if let failAfterStoring { return await finish(FakeGoogleResponses.apiError(failAfterStoring)) }
            guard bodyBytes > 0 else {
                return await finish(FakeGoogleResponses.apiError(400, reason: "required", message: "Media is required."))
            }
            let artifact = await complete(
                packageName: packageName, kind: kind, uploadProtocol: "media", contentType: contentType,
                byteCount: bodyBytes, sha256: hasher.finalize().hexString)
            return await finish(FakeGoogleResponses.json(.ok, artifact))

        case (.post, "resumable", nil):
            let total = request.headers[HTTPField.Name("X-Upload-Content-Length")!].flatMap(Int64.init)
            let declaredType = request.headers[HTTPField.Name("X-Upload-Content-Type")!]
            let id = await startSession(packageName: packageName, kind: kind, contentType: declaredType, total: total)
            if let failAfterStoring { return try await drainThen(FakeGoogleResponses.apiError(failAfterStoring)) }
            let host = request.head.authority ?? "127.0.0.1"
            let location = "http://\(host)\(request.uri.path)?uploadType=resumable&upload_id=\(id)"
            return try await drainThen(Response(status: .ok, headers: [.location: location]))

        case (.put, "resumable", .some(let id)):
            guard let session = await session(id) else {
                return try await drainThen(FakeGoogleResponses.apiError(404, message: "Upload session not found."))
            }
            guard let range = FakeContentRange(contentRange) else {
                return try await drainThen(
                    FakeGoogleResponses.apiError(400, message: "Invalid Content-Range: \(contentRange ?? "missing")"))
            }
            if let completed = session.completed {
                return try await drainThen(FakeGoogleResponses.json(.ok, completed))
            }
            guard let first = range.first, let last = range.last else {
                // Status query: what do we hold?
                if let failAfterStoring { return try await drainThen(FakeGoogleResponses.apiError(failAfterStoring)) }
                return try await drainThen(Self.resumeIncomplete(received: session.receivedBytes))
            }
            let total = range.total ?? session.totalBytes
            guard first <= session.receivedBytes else {
                return try await drainThen(
                    FakeGoogleResponses.apiError(
                        400, message: "Chunk starts at \(first) but only \(session.receivedBytes) bytes were received."))
            }
            let isFinal = total.map { last + 1 == $0 } ?? false
            if !isFinal && (last + 1 - first) % Self.chunkGranularity != 0 {
                return try await drainThen(
                    FakeGoogleResponses.apiError(400, message: "Chunk size must be a multiple of 256 KiB."))
            }
            // Hash what is new; bytes the server already holds are skipped.
            var hasher = session.hasher
            var skip = session.receivedBytes - first
            for try await var buffer in request.body {
                bodyBytes += Int64(buffer.readableBytes)
                if skip > 0 {
                    let dropped = min(Int64(buffer.readableBytes), skip)
                    buffer.moveReaderIndex(forwardBy: Int(dropped))
                    skip -= dropped
                }
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            }
            guard bodyBytes == last + 1 - first else {
                return await finish(
                    FakeGoogleResponses.apiError(400, message: "Content-Range does not match the body length."))
            }
            let received = last + 1
            let artifact = await store(id, hasher: hasher, received: received, total: total)
            if let failAfterStoring { return await finish(FakeGoogleResponses.apiError(failAfterStoring)) }
            if let artifact { return await finish(FakeGoogleResponses.json(.ok, artifact)) }
            return await finish(Self.resumeIncomplete(received: received))

        default:
            return try await drainThen(
                FakeGoogleResponses.apiError(
                    400, message: "Unsupported uploadType \(uploadType ?? "(none)") for \(request.method.rawValue)."))
        }
    }

    /// `308 Resume Incomplete`, with `Range: bytes=0-n` once anything is held.
    static func resumeIncomplete(received: Int64) -> Response {
        var headers: HTTPFields = [:]
        if received > 0 { headers[.range] = "bytes=0-\(received - 1)" }
        return Response(status: .init(code: 308, reasonPhrase: "Resume Incomplete"), headers: headers)
    }

    func startSession(packageName: String, kind: String, contentType: String?, total: Int64?) -> String {
        let id = "AFiumC" + FakeOpaque.base64URL(length: 60)
        sessions[id] = Session(packageName: packageName, kind: kind, contentType: contentType, totalBytes: total)
        return id
    }

    func session(_ id: String) -> Session? { sessions[id] }

    func dropSession(_ id: String) { sessions[id] = nil }

    /// Keeps a received chunk; returns the artifact JSON when it completed the upload.
    func store(_ id: String, hasher: SHA256, received: Int64, total: Int64?) -> [String: String]? {
        guard var session = sessions[id], received > session.receivedBytes else { return sessions[id]?.completed }
        session.hasher = hasher
        session.receivedBytes = received
        if let total, received == total {
            session.completed = complete(
                packageName: session.packageName, kind: session.kind, uploadProtocol: "resumable",
                contentType: session.contentType, byteCount: received, sha256: hasher.finalize().hexString)
        }
        sessions[id] = session
        return session.completed
    }
}

/// `Content-Range: bytes a-b/N`, `bytes */N` (status query) or `bytes a-b/*`.
struct FakeContentRange {
    var first: Int64?
    var last: Int64?
    var total: Int64?

    init?(_ header: String?) {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        let spec = header.dropFirst(6)
        let halves = spec.split(separator: "/", maxSplits: 1)
        guard halves.count == 2 else { return nil }
        total = halves[1] == "*" ? nil : Int64(halves[1])
        if halves[1] != "*" && total == nil { return nil }
        if halves[0] == "*" {
            first = nil
            last = nil
        } else {
            let bounds = halves[0].split(separator: "-")
            guard bounds.count == 2, let a = Int64(bounds[0]), let b = Int64(bounds[1]), a <= b else { return nil }
            first = a
            last = b
        }
    }
}

/// Thrown inside a response body to make the fake server drop the connection.
struct FakeConnectionReset: Error {}
