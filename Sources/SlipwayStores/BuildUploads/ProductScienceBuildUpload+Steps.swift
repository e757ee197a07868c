import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SlipwayCore
import SlipwayHTTP

/// The three steps: context, metadata, file.
extension ProductScienceBuildUpload {
    static let contextStep = "create upload context"
    static let metadataStep = "submit build metadata"
    static let fileStep = "upload file"

    /// Headers of `uploadSpec` Slipway does not copy: the HTTP client writes these itself from
    /// the body and the URL (a declared `Content-Length` is checked against the file instead).
    static let transportHeaders: Set<String> = ["content-length", "host", "transfer-encoding", "connection"]

    enum FileOutcome: Sendable {
        case stored
        /// The signed URL is no longer valid; a new `uploadSpec` is needed.
        case urlExpired(StoreCallFailure)
    }

    func createContext(logger: Logger) async throws(StoreCallFailure) -> ProductScienceID {
        let url = endpoint("/build-uploads")
        let response = try await send(step: Self.contextStep, secrets: [token.revealed], logger: logger) {
            () async throws in
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
            request.headers.add(name: "Accept", value: "application/json")
            request.body = .bytes(ByteBuffer())
            return try await http.send(request, timeout: http.timeouts.api, logger: logger)
        }
        guard (200...299).contains(response.status) else {
            throw apiFailure(response, step: Self.contextStep, secrets: [token.revealed])
        }
        guard let context = try? JSONDecoder().decode(ProductScienceContext.self, from: response.bodyData) else {
            throw StoreCallFailure(
                step: Self.contextStep, message: "Product Science answered HTTP \(response.status) without a context id",
                hint: "check that api_url points at Product Science's API", httpStatus: response.status,
                isRetryable: false)
        }
        return context.id
    }

    func submitBuild(_ metadata: ProductScienceBuildMetadata, contextID: ProductScienceID, logger: Logger)
        async throws(StoreCallFailure) -> ProductScienceBuildAnswer
    {
        let url = endpoint("/builds")
        let body = metadata.json(contextID: contextID)
        let response = try await send(step: Self.metadataStep, secrets: [token.revealed], logger: logger) {
            () async throws in
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            request.body = .bytes(ByteBuffer(bytes: body))
            return try await http.send(request, timeout: http.timeouts.api, logger: logger)
        }
        guard (200...299).contains(response.status) else {
            throw apiFailure(response, step: Self.metadataStep, secrets: [token.revealed])
        }
        guard let answer = try? JSONDecoder().decode(ProductScienceBuildAnswer.self, from: response.bodyData) else {
            throw StoreCallFailure(
                step: Self.metadataStep,
                message: "Product Science answered HTTP \(response.status) without an uploadSpec and build",
                httpStatus: response.status, isRetryable: false)
        }
        return answer
    }

    /// Sends the file as `spec` says. Checks first what can be checked without sending: the method,
    /// the URL, a declared size range and a declared length.
    func sendFile(
        _ artifact: Artifact, size: Int64, spec: ProductScienceBuildAnswer.UploadSpec, logger: Logger
    ) async throws(StoreCallFailure) -> FileOutcome {
        let safeURL = Redaction.withoutQuery(spec.url)
        let secrets = Self.secrets(of: spec.url) + [token.revealed]
        let headers = spec.headers ?? [:]
        guard let scheme = URL(string: spec.url)?.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw StoreCallFailure(
                step: Self.fileStep, message: "Product Science's uploadSpec has no usable URL (\(safeURL))",
                isRetryable: false)
        }
        let methodName = spec.method.uppercased()
        guard methodName == "PUT" || methodName == "POST" else {
            throw StoreCallFailure(
                step: Self.fileStep,
                message: "Product Science's uploadSpec asks for method \(spec.method), which Slipway does not send files with",
                hint: "tell the Slipway maintainers; only PUT and POST uploads are known", isRetryable: false)
        }
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower == settings.sizeRangeHeader.lowercased() {
                guard let range = UploadSizeRange(headerValue: value) else {
                    throw StoreCallFailure(
                        step: Self.fileStep,
                        message: "Product Science's uploadSpec declares \(name): \(value), which is not \"min,max\"",
                        isRetryable: false)
                }
                guard range.contains(size) else {
                    throw StoreCallFailure(
                        step: Self.fileStep,
                        message: "\(artifact.fileName) is \(size) bytes, but Product Science's upload URL accepts "
                            + "\(range.minimum)–\(range.maximum) bytes (\(name)); nothing was sent",
                        hint: size > range.maximum
                            ? "make the build smaller, or ask Product Science to raise the project's size limit"
                            : "check that the artifact is the real build", isRetryable: false)
                }
            }
            if lower == "content-length", Int64(value.trimmingCharacters(in: .whitespaces)) != size {
                throw StoreCallFailure(
                    step: Self.fileStep,
                    message: "Product Science's uploadSpec declares Content-Length \(value), but \(artifact.fileName) is \(size) bytes; nothing was sent",
                    isRetryable: false)
            }
        }
        let method = HTTPMethod(rawValue: methodName)
        let response = try await send(step: Self.fileStep, secrets: secrets, logger: logger) { () async throws in
            try await FileUploadBody.withStreamingBody(path: artifact.path, range: 0..<size, arrival: artifact.arrival) { body in
                var request = HTTPClientRequest(url: spec.url)
                request.method = method
                for (name, value) in headers.sorted(by: { $0.key < $1.key })
                where !Self.transportHeaders.contains(name.lowercased()) {
                    request.headers.add(name: name, value: value)
                }
                request.body = body  // length known: the client writes Content-Length: size
                return try await http.send(
                    request, timeout: http.timeouts.upload(bytes: size), logger: logger,
                    trust: StoreHTTPClient.trust(ofReturned: spec.url, configured: settings.apiURL))
            }
        }
        if (200...299).contains(response.status) { return .stored }
        let storage = ProductScienceStorageError.parse(response.bodyText)
        let said = storage?.quoted ?? String(response.bodyText.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
        let hint: String? =
            switch (storage?.code, response.status) {
            case ("SignatureDoesNotMatch", _):
                "the storage refused the signed request; Slipway sends uploadSpec's headers as given, so report this to Product Science"
            case ("EntityTooLarge", _), ("EntityTooSmall", _):
                "the file is outside the size the upload URL accepts"
            case (_, 403):
                "the storage refused the signed URL; deliver again to get a new one"
            default:
                nil
            }
        let failure = StoreCallFailure(
            step: Self.fileStep,
            message: Redaction.scrub(
                "the storage at \(safeURL) answered HTTP \(response.status)" + (said.isEmpty ? "" : ": \(said)"),
                secrets: secrets),
            hint: hint, httpStatus: response.status, isRetryable: false)
        if storage?.meansExpired == true { return .urlExpired(failure) }
        throw failure
    }

    /// The signed URL's query and each of its values: what must never be quoted.
    static func secrets(of url: String) -> [String] {
        guard let query = URLComponents(string: url)?.percentEncodedQuery, !query.isEmpty else { return [] }
        var secrets = [query]
        for pair in query.split(separator: "&") {
            if let equals = pair.firstIndex(of: "=") {
                let value = String(pair[pair.index(after: equals)...])
                secrets.append(value)
                if let decoded = value.removingPercentEncoding, decoded != value { secrets.append(decoded) }
            }
        }
        return secrets.sorted { $0.count > $1.count }
    }
}
