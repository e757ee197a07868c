import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The API endpoints: one entry point that reads the route, applies faults and auth, streams
/// upload bodies through a hash, and hands the rest to the actor.
extension FakeAmazonAppstore {
    static let streamedOperations: Set<FakeAmazonOperation> = [.uploadAPK, .replaceAPK, .uploadLargeAPK, .uploadImage]

    nonisolated func handleAPI(_ request: Request) async throws -> Response {
        let route = FakeAmazonRoute(method: request.method.rawValue, path: request.uri.path)
        let ifMatch = request.headers[.ifMatch]
        let contentType = request.headers[.contentType]
        let fileName = request.headers[HTTPField.Name("fileName")!]
        let declaredLength = request.headers[.contentLength].flatMap(Int64.init)
        var bodyBytes: Int64 = 0

        func finish(_ reply: FakeAmazonReply) async -> Response {
            await record(
                FakeAmazonRequest(
                    operation: route.operation, method: request.method.rawValue, path: request.uri.path,
                    ifMatch: ifMatch, contentType: contentType, fileName: fileName, bodyBytes: bodyBytes,
                    status: reply.status))
            return reply.response
        }
        func drainThen(_ reply: FakeAmazonReply) async throws -> Response {
            for try await buffer in request.body { bodyBytes += Int64(buffer.readableBytes) }
            return await finish(reply)
        }

        let fault = await takeFault(for: route.operation)
        if fault == .expireTokens { await expireTokens() }
        guard await isAuthorized(request.headers[.authorization]) else {
            return try await drainThen(.notAuthorized)
        }
        if case .status(let code, let message) = fault {
            return try await drainThen(.error(code, message ?? FakeAmazonReply.reasonPhrase(code)))
        }
        guard route.operation != .unknown else {
            return try await drainThen(
                .json(
                    403,
                    ["Message": "Unable to fetch the request scope for uri = \(request.uri.path) and verb = \(request.method.rawValue)"]
                ))
        }

        if Self.streamedOperations.contains(route.operation) {
            if let refusal = await precheckUpload(
                route, ifMatch: ifMatch, contentType: contentType, declaredLength: declaredLength, fault: fault)
            {
                return try await drainThen(refusal)
            }
            let received: (bytes: Int64, sha256: String)
            var kept = Data()  // the APK, for its version code, when it is small enough to keep
            if route.operation == .uploadLargeAPK, let contentType, contentType.hasPrefix("multipart/form-data") {
                guard var reader = FakeMultipartFileReader(contentType: contentType) else {
                    return try await drainThen(.error(400, "multipart/form-data without a boundary"))
                }
                for try await buffer in request.body {
                    bodyBytes += Int64(buffer.readableBytes)
                    reader.consume(buffer)
                }
                guard let file = reader.finish() else {
                    return await finish(.error(400, "the multipart body has no complete part named \"file\""))
                }
                received = file
            } else {
                var hasher = SHA256()
                for try await buffer in request.body {
                    bodyBytes += Int64(buffer.readableBytes)
                    buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                    if bodyBytes <= Self.versionCodeReadLimit { kept.append(contentsOf: buffer.readableBytesView) }
                }
                received = (bodyBytes, hasher.finalize().hexString)
            }
            if let declaredLength, declaredLength != bodyBytes {
                return await finish(.error(400, "Content-Length does not match the body"))
            }
            let reply = await finishUpload(
                    route, bytes: received.bytes, sha256: received.sha256, fileName: fileName,
                    versionCode: bodyBytes <= Self.versionCodeReadLimit ? FakeAPKVersionCode.read(apk: kept) : nil)
            if fault == .acceptThenDrop {
                await record(
                    FakeAmazonRequest(
                        operation: route.operation, method: request.method.rawValue, path: request.uri.path,
                        ifMatch: ifMatch, contentType: contentType, fileName: fileName, bodyBytes: bodyBytes,
                        status: 0))
                return Response(status: .ok, body: ResponseBody(contentLength: 64) { _ in throw FakeConnectionReset() })
            }
            return await finish(reply)
        }

        var body = Data()
        for try await buffer in request.body {
            bodyBytes += Int64(buffer.readableBytes)
            if body.count < 1024 * 1024 { body.append(contentsOf: buffer.readableBytesView) }
        }
        return await finish(respond(route, ifMatch: ifMatch, body: body, fault: fault))
    }
}

extension FakeAmazonAppstore {
    /// Uploads up to this size are kept in memory to read their version code; larger ones (and
    /// files that are not APKs) get the next number of a counter.
    static let versionCodeReadLimit: Int64 = 32 * 1024 * 1024
}

/// Reads a `multipart/form-data` body with one file part as it streams: keeps the part headers
/// (small) and a tail window as long as the closing delimiter, hashes everything in between.
struct FakeMultipartFileReader {
    private let closing: [UInt8]
    private var header: [UInt8] = []
    private var inPayload = false
    private var tail: [UInt8] = []
    private var hasher = SHA256()
    private var payloadBytes: Int64 = 0
    private var partIsFile = false

    init?(contentType: String) {
        guard let range = contentType.range(of: "boundary=") else { return nil }
        var boundary = String(contentType[range.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty else { return nil }
        closing = Array("\r\n--\(boundary)--".utf8)
    }

    mutating func consume(_ buffer: ByteBuffer) {
        var bytes = Array(buffer.readableBytesView)
        if !inPayload {
            header += bytes
            let separator: [UInt8] = Array("\r\n\r\n".utf8)
            guard let end = header.firstRange(of: separator) else {
                if header.count > 16 * 1024 { header.removeAll() }
                return
            }
            let headerText = String(decoding: header[..<end.lowerBound], as: UTF8.self)
            partIsFile = headerText.contains("name=\"file\"")
            bytes = Array(header[end.upperBound...])
            header.removeAll()
            inPayload = true
        }
        tail += bytes
        let keep = closing.count + 2
        if tail.count > keep {
            let flush = tail.count - keep
            hasher.update(data: tail[..<flush])
            payloadBytes += Int64(flush)
            tail.removeFirst(flush)
        }
    }

    /// The file part's size and sha256, or nil when the body was not one complete file part.
    mutating func finish() -> (bytes: Int64, sha256: String)? {
        guard inPayload, partIsFile else { return nil }
        var end = tail
        if end.suffix(2) == Array("\r\n".utf8) { end.removeLast(2) }
        guard end.count >= closing.count, Array(end.suffix(closing.count)) == closing else { return nil }
        let rest = end.count - closing.count
        hasher.update(data: end[..<rest])
        return (payloadBytes + Int64(rest), hasher.finalize().hexString)
    }
}
