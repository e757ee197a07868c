import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayHTTP

/// Google's standard resumable upload protocol (the one the Java and Python clients use):
///
/// 1. `POST …?uploadType=resumable` with `X-Upload-Content-Type`/`-Length` → `Location`: the
///    session URI (it carries an `upload_id`, so it is never logged with its query).
/// 2. `PUT` chunks with `Content-Range: bytes a-b/size`; `308` + `Range: bytes=0-n` means "have
///    up to n", the last chunk gets `200` and the artifact JSON.
/// 3. After a 5xx or a lost connection: back off, then `PUT` with `Content-Range: bytes */size`
///    to learn what the server kept, and carry on from there; no accepted chunk is sent twice.
/// 4. `404`/`410` on the session: it is gone; start one new session (once).
extension GooglePlayInternalSharing {
    struct ResumableOutcome: Sendable {
        var artifact: InternalAppSharingArtifact
        var chunks: Int
    }

    private enum SessionOutcome: Sendable {
        case completed(ResumableOutcome)
        case gone(StoreCallFailure)
    }

    func uploadResumable(_ file: UploadFile, target: UploadTarget, logger: Logger) async throws(StoreCallFailure)
        -> ResumableOutcome
    {
        var restarted = false
        while true {
            let session = try await startSession(file, target: target, logger: logger)
            switch try await sendChunks(file, target: target, sessionURI: session, logger: logger) {
            case .completed(let outcome):
                return outcome
            case .gone(let failure):
                guard !restarted else { throw failure }
                restarted = true
                logger.info("resumable session expired; starting a new one")
            }
        }
    }

    private func startSession(_ file: UploadFile, target: UploadTarget, logger: Logger) async throws(StoreCallFailure)
        -> String
    {
        let step = "start resumable upload"
        let url = endpoint(target) + "?uploadType=resumable"
        return try await retryPolicy.run { (_) async throws(StoreCallFailure) -> RetryPolicy.Attempt<String, StoreCallFailure> in
            let outcome = try await authorizedSend(step: step, logger: logger) { (authorization) async throws in
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Authorization", value: authorization)
                request.headers.add(name: "X-Upload-Content-Type", value: target.contentType)
                request.headers.add(name: "X-Upload-Content-Length", value: "\(file.size)")
                request.body = .bytes(ByteBuffer())
                return try await http.send(request, timeout: http.timeouts.api, logger: logger)
            }
            switch outcome {
            case .noAnswer(let failure):
                return .retry(failure, retryAfter: nil)
            case .answered(let response) where (200...299).contains(response.status):
                guard let location = response.header("Location"), !location.isEmpty else {
                    throw StoreCallFailure(
                        step: step, message: "Google Play started no session (the answer has no Location header)",
                        httpStatus: response.status, isRetryable: true)
                }
                return .success(absolute(location))
            case .answered(let response):
                let failure = apiFailure(response, step: step)
                guard failure.isRetryable else { throw failure }
                return .retry(failure, retryAfter: RetryPolicy.retryAfter(response.header("Retry-After")))
            }
        }
    }

    private func sendChunks(_ file: UploadFile, target: UploadTarget, sessionURI: String, logger: Logger)
        async throws(StoreCallFailure) -> SessionOutcome
    {
        let step = target.uploadStep
        let chunkBytes = Int64(max(settings.chunkBytes, 256 * 1024))
        var offset: Int64 = 0
        var chunksSent = 0
        var setbacks = 0  // consecutive failures without progress
        var mustQueryStatus = false

        while true {
            let isStatusQuery = mustQueryStatus
            let end = min(offset + chunkBytes, file.size)
            let outcome: CallOutcome
            if isStatusQuery {
                outcome = try await authorizedSend(step: step, logger: logger) { (authorization) async throws in
                    var request = HTTPClientRequest(url: sessionURI)
                    request.method = .PUT
                    request.headers.add(name: "Authorization", value: authorization)
                    request.headers.add(name: "Content-Range", value: "bytes */\(file.size)")
                    request.body = .bytes(ByteBuffer())
                    return try await http.send(
                        request, timeout: http.timeouts.uploadMinimum, logger: logger,
                        trust: StoreHTTPClient.trust(ofReturned: sessionURI, configured: settings.apiURL))
                }
            } else {
                chunksSent += 1
                logger.debug("sending chunk", metadata: ["from": "\(offset)", "to": "\(end - 1)"])
                outcome = try await authorizedSend(step: step, logger: logger) { (authorization) async throws in
                    try await FileUploadBody.withStreamingBody(path: file.path, range: offset..<end, arrival: file.arrival) { body in
                        var request = HTTPClientRequest(url: sessionURI)
                        request.method = .PUT
                        request.headers.add(name: "Authorization", value: authorization)
                        request.headers.add(name: "Content-Type", value: target.contentType)
                        request.headers.add(name: "Content-Range", value: "bytes \(offset)-\(end - 1)/\(file.size)")
                        request.body = body
                        return try await http.send(
                            request, timeout: http.timeouts.upload(bytes: end - offset), logger: logger,
                            trust: StoreHTTPClient.trust(ofReturned: sessionURI, configured: settings.apiURL))
                    }
                }
            }

            let failure: StoreCallFailure
            var retryAfter: Duration?
            switch outcome {
            case .answered(let response) where response.status == 200 || response.status == 201:
                return .completed(ResumableOutcome(artifact: try parseArtifact(response, step: step), chunks: chunksSent))
            case .answered(let response) where response.status == 308:
                let persisted = Self.persistedEnd(response.header("Range")).map { $0 + 1 } ?? 0
                let before = offset
                offset = min(persisted, file.size)
                mustQueryStatus = false
                if offset > before { setbacks = 0 }
                // After a status query, carry on from what the server kept (even if that is where we were).
                if offset < file.size && (offset > before || isStatusQuery) { continue }
                // Nothing new was kept, or everything was kept but not finalised: ask again, with care.
                failure = StoreCallFailure(
                    step: step,
                    message: "Google Play kept \(offset) of \(file.size) bytes and did not finish the upload",
                    httpStatus: 308, isRetryable: true)
                mustQueryStatus = offset >= file.size
            case .answered(let response) where response.status == 404 || response.status == 410:
                var gone = apiFailure(response, step: step)
                gone.failure.hint = "the resumable upload session expired; Slipway starts a new one once"
                return .gone(gone)
            case .answered(let response):
                let answer = apiFailure(response, step: step)
                guard answer.isRetryable else { throw answer }
                failure = answer
                retryAfter = RetryPolicy.retryAfter(response.header("Retry-After"))
                mustQueryStatus = true
            case .noAnswer(let transportFailure):
                failure = transportFailure
                mustQueryStatus = true
            }

            setbacks += 1
            guard setbacks < retryPolicy.maxAttempts else { throw failure }
            logger.info(
                "resumable upload interrupted; backing off, then asking what Google kept",
                metadata: ["failure": "\(failure.failure)", "offset": "\(offset)"])
            do {
                try await retryPolicy.sleep(retryPolicy.delay(beforeRetry: setbacks, retryAfter: retryAfter))
            } catch {
                throw failure
            }
        }
    }

    /// The last byte the server holds, from `Range: bytes=0-n`; nil when the header is absent.
    package static func persistedEnd(_ range: String?) -> Int64? {
        guard let range, let dash = range.lastIndex(of: "-") else { return nil }
        return Int64(range[range.index(after: dash)...].trimmingCharacters(in: .whitespaces))
    }

    /// The session URI as an absolute URL (Google sends absolute ones; a relative one is resolved
    /// against `apiURL`).
    private func absolute(_ location: String) -> String {
        if location.lowercased().hasPrefix("http://") || location.lowercased().hasPrefix("https://") {
            return location
        }
        var base = settings.apiURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + (location.hasPrefix("/") ? location : "/" + location)
    }
}
