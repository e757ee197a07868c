import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayHTTP

/// The App Submission API calls Slipway makes, under `{api_url}/v1/applications/{appId}`.
///
/// Every call goes through `send`: bearer token (refreshed once on 401), deadline, retries of
/// 408/429/5xx and dropped connections for calls that are safe to repeat. Non-idempotent posts
/// (create an Edit, upload an APK or image) are only repeated on 429, which Amazon answers before
/// doing anything. Status codes a flow must react to (404, 409, 412, 403 validation) come back to
/// the caller; `failure(_:step:)` turns any answer into a message with a hint.
struct AmazonSubmissionAPI: Sendable {
    let appID: String
    let apiURL: String
    let http: StoreHTTPClient
    let tokens: AmazonAccessTokenProvider
    let retryPolicy: RetryPolicy

    struct Call: Sendable {
        var step: String
        var method: HTTPMethod
        /// Below `/v1/applications/{appId}`, starting with `/`.
        var path: String
        var ifMatch: String?
        var body: AmazonRequestBody = .empty
        var fileName: String?
        var idempotent: Bool
    }

    func url(_ path: String) -> String {
        var base = apiURL
        while base.hasSuffix("/") { base.removeLast() }
        let app = appID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? appID
        return "\(base)/v1/applications/\(app)\(path)"
    }

    static func pathComponent(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Sends `call` and returns Amazon's answer. Throws for transport failures, a refused token,
    /// and retryable statuses once the tries are used up.
    func send(_ call: Call, logger: Logger) async throws(StoreCallFailure) -> StoreHTTPResponse {
        let target = url(call.path)
        return try await retryPolicy.run(step: call.step) {
            (_) async throws(StoreCallFailure) -> RetryPolicy.Attempt<StoreHTTPResponse, StoreCallFailure> in
            var refreshed = false
            while true {
                let token = try await tokens.token(logger: logger)
                let response: StoreHTTPResponse
                do {
                    response = try await call.body.with { body, contentType in
                        var request = HTTPClientRequest(url: target)
                        request.method = call.method
                        request.headers.add(name: "Authorization", value: "Bearer \(token.value.revealed)")
                        request.headers.add(name: "Accept", value: "application/json")
                        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
                        if let ifMatch = call.ifMatch { request.headers.add(name: "If-Match", value: ifMatch) }
                        if let fileName = call.fileName { request.headers.add(name: "fileName", value: fileName) }
                        request.body = body
                        let timeout = call.body.bytes > 64 * 1024
                            ? http.timeouts.upload(bytes: call.body.bytes) : http.timeouts.api
                        return try await http.send(request, timeout: timeout, logger: logger)
                    }
                } catch let error as StoreTransportError {
                    let failure = StoreCallFailure(step: call.step, message: error.description, isRetryable: error.isRetryable)
                    guard error.isRetryable, call.idempotent else { throw failure }
                    return .retry(failure, retryAfter: nil)
                } catch let error as ArtifactFileError {
                    throw StoreCallFailure(step: "read \(call.step.contains("image") ? "image" : "artifact")",
                        message: error.description, isRetryable: false)
                } catch is CancellationError {
                    throw StoreCallFailure(step: call.step, message: "cancelled", isRetryable: true)
                } catch {
                    throw StoreCallFailure(
                        step: call.step, message: Redaction.scrub("\(error)", secrets: [token.value.revealed]),
                        isRetryable: false)
                }
                if response.status == 401 {
                    await tokens.invalidate(token)
                    if !refreshed {
                        logger.info("access token refused; fetching a new one", metadata: ["step": "\(call.step)"])
                        refreshed = true
                        continue
                    }
                    var failure = failure(response, step: call.step)
                    failure.failure.hint =
                        "Amazon refused a freshly fetched token too; check that the security profile is attached to the "
                        + "App Submission API and that its client id and secret are current"
                    failure.isRetryable = false
                    throw failure
                }
                let status = response.status
                if status != 409, RetryPolicy.isRetryable(status: status), call.idempotent || status == 429 {
                    return .retry(
                        failure(response, step: call.step),
                        retryAfter: RetryPolicy.retryAfter(response.header("Retry-After")))
                }
                return .success(response)
            }
        }
    }

    /// The failure for an answer Slipway cannot go on with: step, what Amazon said, a hint.
    func failure(_ response: StoreHTTPResponse, step: String) -> StoreCallFailure {
        let status = response.status
        let said: String
        if let parsed = AmazonAPIError.parse(response.bodyData) {
            said = parsed.quoted
        } else {
            said = String(response.bodyText.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let message = "Amazon answered HTTP \(status)" + (said.isEmpty ? "" : ": \(said)")
        let hint: String?
        switch status {
        case 400:
            hint = "Amazon refused the request as invalid; if it mentions If-Match, this is a Slipway bug worth reporting"
        case 401, 403:
            hint = "check that the security profile is attached to the App Submission API and may manage app \(appID)"
        case 404:
            hint = "check app_id \"\(appID)\" (Developer Console → the app → Upload Your App File → App ID key); "
                + "the app's first version must be submitted through the console"
        case 409:
            hint = "Amazon reported a conflicting change made at the same time (another Edit or update); "
                + "Slipway will try the delivery again later, reusing the open Edit"
        case 412:
            hint = Self.inReviewHint
        case 413:
            hint = "the file is too large for this call; lower large_file_threshold_bytes so it goes through uploadLargeApk"
        case 415:
            hint = "Amazon did not accept the file's type"
        case 408, 429, 500...599:
            hint = "Amazon had a temporary problem; Slipway will try the delivery again later"
        default:
            hint = nil
        }
        return StoreCallFailure(
            step: step, message: Redaction.scrub(message), hint: hint, httpStatus: status,
            isRetryable: RetryPolicy.isRetryable(status: status))
    }

    static let inReviewHint =
        "Amazon refuses changes while a version of the app is pending or in review. Check Developer Console → App List → "
        + "the app → App Status; once the version in review is live (or withdrawn from review), deliver this build again. "
        + "Slipway does not retry this by itself"

    /// Two 412s in a row, the second after a fresh ETag: not a stale ETag, the app is in review.
    /// A 412 after a fresh read: review, unless the app's Edit is still open — then someone else
    /// (another replica, a person in the console) was writing to it at the same moment, and the
    /// delivery is worth trying again later.
    func secondPreconditionFailure(_ response: StoreHTTPResponse, step: String, logger: Logger) async -> StoreCallFailure {
        guard let open = try? await activeEdit(logger: logger), open.isInProgress else {
            return inReviewFailure(response, step: step)
        }
        var failure = failure(response, step: step)
        failure.failure.message =
            "Amazon answered HTTP 412 Precondition Failed twice while edit \(open.id) stayed open: another client was "
            + "changing the edit at the same time (\(failure.failure.message))"
        failure.failure.hint = "Slipway will try the delivery again later; if this repeats, check who else writes to the app's edit"
        failure.isRetryable = true
        return failure
    }

    func inReviewFailure(_ response: StoreHTTPResponse, step: String) -> StoreCallFailure {
        var failure = failure(response, step: step)
        failure.failure.message =
            "Amazon answered HTTP 412 Precondition Failed, also after Slipway re-read the resource for a fresh ETag: "
            + "the app is pending, probably in Amazon's review, unless another client kept changing the edit at the same time "
            + "(\(failure.failure.message))"
        failure.isRetryable = false
        return failure
    }

    /// Throws `failure` unless `response` has one of `statuses`.
    func expect(_ response: StoreHTTPResponse, _ statuses: Set<Int>, step: String) throws(StoreCallFailure) {
        guard statuses.contains(response.status) else { throw failure(response, step: step) }
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: StoreHTTPResponse, step: String) throws(StoreCallFailure) -> T {
        guard let value = try? JSONDecoder().decode(type, from: response.bodyData) else {
            throw StoreCallFailure(
                step: step,
                message: "Amazon answered HTTP \(response.status) with a body Slipway cannot read: "
                    + Redaction.scrub(String(response.bodyText.prefix(200))),
                httpStatus: response.status, isRetryable: false)
        }
        return value
    }

    /// The `ETag` of a GET answer (header name matched case-insensitively).
    func etag(_ response: StoreHTTPResponse, step: String) throws(StoreCallFailure) -> String {
        guard let etag = response.header("ETag"), !etag.isEmpty else {
            throw StoreCallFailure(
                step: step, message: "Amazon answered HTTP \(response.status) without an ETag header",
                hint: "every update needs the ETag of a GET; check that api_url points at the App Submission API",
                httpStatus: response.status, isRetryable: false)
        }
        return etag
    }

    // MARK: GET → modify → PUT

    /// Reads a resource for its ETag, writes with `If-Match`, and on a 412 reads again and writes
    /// once more. A second 412 means the app is in review (see `inReviewFailure`): no loop.
    func update<Value: Sendable>(
        step: String, logger: Logger,
        read: () async throws(StoreCallFailure) -> AmazonTagged<Value>,
        write: (AmazonTagged<Value>) async throws(StoreCallFailure) -> StoreHTTPResponse
    ) async throws(StoreCallFailure) -> StoreHTTPResponse {
        var attempt = 1
        while true {
            let current = try await read()
            let response = try await write(current)
            guard response.status == 412 else { return response }
            guard attempt == 1 else { throw await secondPreconditionFailure(response, step: step, logger: logger) }
            logger.info("412 Precondition Failed; reading a fresh ETag and trying once more", metadata: ["step": "\(step)"])
            attempt += 1
        }
    }

    /// GET `path` and its ETag, as raw JSON.
    func read(_ path: String, step: String, logger: Logger) async throws(StoreCallFailure) -> AmazonTagged<Data> {
        let response = try await send(Call(step: step, method: .GET, path: path, idempotent: true), logger: logger)
        try expect(response, [200], step: step)
        return AmazonTagged(value: response.bodyData, etag: try etag(response, step: step))
    }

    // MARK: Edits

    func activeEdit(logger: Logger) async throws(StoreCallFailure) -> AmazonEdit? {
        let step = "get the open edit"
        let response = try await send(Call(step: step, method: .GET, path: "/edits", idempotent: true), logger: logger)
        if response.status == 204 || response.status == 404 { return nil }
        try expect(response, [200], step: step)
        let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text == "{}" || text == "null" { return nil }
        let edit = try? JSONDecoder().decode(AmazonEdit.self, from: response.bodyData)
        return edit.flatMap { $0.id.isEmpty ? nil : $0 }
    }

    /// `POST /edits`: the answer as is (409 when an Edit is already open, 412 when the app is in review).
    func createEdit(logger: Logger) async throws(StoreCallFailure) -> StoreHTTPResponse {
        try await send(Call(step: "create an edit", method: .POST, path: "/edits", idempotent: false), logger: logger)
    }

    func editPath(_ edit: AmazonEdit) -> String { "/edits/\(Self.pathComponent(edit.id))" }

    func readEdit(_ edit: AmazonEdit, step: String, logger: Logger) async throws(StoreCallFailure) -> AmazonTagged<Data> {
        try await read(editPath(edit), step: step, logger: logger)
    }

    /// Deletes the Edit (GET for its ETag, then DELETE with `If-Match`).
    func deleteEdit(_ edit: AmazonEdit, logger: Logger) async throws(StoreCallFailure) {
        let step = "delete the edit"
        let response = try await update(step: step, logger: logger) { () async throws(StoreCallFailure) in
            try await readEdit(edit, step: step, logger: logger)
        } write: { (current) async throws(StoreCallFailure) in
            try await send(
                Call(step: step, method: .DELETE, path: editPath(edit), ifMatch: current.etag, idempotent: true),
                logger: logger)
        }
        try expect(response, [200, 204], step: step)
    }

    /// `validate` or `commit` with the Edit's fresh ETag; a 403 carries Amazon's validation errors.
    func finish(_ edit: AmazonEdit, action: String, step: String, logger: Logger) async throws(StoreCallFailure)
        -> AmazonEdit
    {
        let response = try await update(step: step, logger: logger) { () async throws(StoreCallFailure) in
            try await readEdit(edit, step: step, logger: logger)
        } write: { (current) async throws(StoreCallFailure) in
            try await send(
                Call(step: step, method: .POST, path: editPath(edit) + "/\(action)", ifMatch: current.etag,
                    idempotent: action == "validate"),
                logger: logger)
        }
        if response.status == 403, let parsed = AmazonAPIError.parse(response.bodyData), !parsed.details.isEmpty {
            throw StoreCallFailure(
                step: step,
                message: "Amazon found \(parsed.details.count) problem\(parsed.details.count == 1 ? "" : "s") with the edit: "
                    + Redaction.scrub(parsed.details.joined(separator: "; ")),
                hint: "fix these (in the store definition's listings/images, the APK, or the Developer Console) and deliver again",
                httpStatus: 403, isRetryable: false)
        }
        try expect(response, [200, 201, 202, 204], step: step)
        if let answered = try? JSONDecoder().decode(AmazonEdit.self, from: response.bodyData), !answered.id.isEmpty {
            return answered
        }
        return edit
    }
}
