import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /appmanagement/v1/upload_apk/external_user`: the APK with its metadata, in any of the
/// encodings DT's page leaves open.
extension FakeIgnite {
    static let requiredMetadata = [
        "package_name", "category", "size", "short_description", "icon_url", "developer", "email", "website_url",
        "market_url", "privacy_policy_url", "permissions",
    ]

    /// What one request carried, whatever its encoding.
    struct ReceivedUpload {
        var encoding: String
        var fields: [String: Any] = [:]
        var fileName: String?
        var byteCount: Int64 = 0
        var sha256 = ""
        var hasFile = false
    }

    nonisolated func handleUpload(_ request: Request) async throws -> Response {
        if let response = try await faultResponse(request, .upload) { return response }
        if let failure = try await authorizationFailure(request, .upload) { return failure }
        let contentType = request.headers[.contentType]
        let received: ReceivedUpload
        var bodyBytes: Int64 = 0
        if let boundary = FakeMultipartReader.boundary(ofContentType: contentType) {
            var reader = FakeMultipartReader(boundary: boundary)
            for try await buffer in request.body {
                bodyBytes += Int64(buffer.readableBytes)
                reader.feed(buffer.readableBytesView)
            }
            guard reader.problem == nil, reader.isComplete else {
                await log(.upload, request, status: 400)
                return Self.apiError(400, "Malformed multipart body: \(reader.problem ?? "no closing boundary")")
            }
            received = Self.multipart(reader)
        } else if contentType?.lowercased().hasPrefix("application/json") == true {
            var request = request
            let body = try await request.collectBody(upTo: 256 * 1024 * 1024)
            bodyBytes = Int64(body.readableBytes)
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                await log(.upload, request, status: 400)
                return Self.apiError(400, "Malformed JSON body")
            }
            received = Self.json(object)
        } else {
            for try await _ in request.body {}
            await log(.upload, request, status: 415)
            return Self.apiError(415, "Unsupported Content-Type \(contentType ?? "none")")
        }
        if let declared = request.headers[.contentLength].flatMap({ Int64($0) }), declared != bodyBytes {
            await log(.upload, request, status: 400)
            return Self.apiError(400, "Content-Length \(declared) does not match the \(bodyBytes) bytes received")
        }
        let outcome = await check(received, declaredLength: request.headers[.contentLength].flatMap { Int64($0) })
        switch outcome {
        case .refused(let problems):
            await log(.upload, request, status: 400)
            return Self.apiError(400, problems)
        case .accepted(let id, let statuses):
            await log(.upload, request, status: 200)
            return Self.statusDocument(id: id, statuses)
        }
    }

    enum UploadOutcome {
        case refused([String])
        case accepted(String, FakeIgniteStatuses)
    }

    func check(_ received: ReceivedUpload, declaredLength: Int64?) -> UploadOutcome {
        var problems: [String] = []
        let fields = received.fields
        if !received.hasFile || received.byteCount == 0 { problems.append("file is required") }
        let fallback = fields["fallback_url"] as? String
        if fallback?.isEmpty != false { problems.append("fallback_url is required") }
        let segments = fields["variant_segment_ids"] as? [String]
        if segments == nil { problems.append("variant_segment_ids must be an array of segment UUIDs") }
        for segment in segments ?? [] where UUID(uuidString: segment) == nil {
            problems.append("variant_segment_ids: \(segment) is not a UUID")
        }
        let samsung = Self.bool(fields["send_to_samsung"])
        if samsung == nil { problems.append("send_to_samsung must be a boolean") }
        let metadata = fields["store_metadata"] as? [String: Any] ?? [:]
        if fields["store_metadata"] == nil { problems.append("store_metadata is required") }
        for key in Self.requiredMetadata where metadata[key] == nil {
            problems.append("store_metadata.\(key) is required")
        }
        let flat = Self.flatten(metadata)
        if received.hasFile {
            if let size = flat["size"], size != String(received.byteCount) {
                problems.append("store_metadata.size \(size) does not match the uploaded file (\(received.byteCount) bytes)")
            }
            if let expected = knownAPKs[received.sha256] {
                if let name = flat["package_name"], name != expected {
                    problems.append("store_metadata.package_name \(name) does not match the APK's package \(expected)")
                }
            } else {
                problems.append("file is not a valid APK")
            }
        }
        var upload = FakeIgniteUpload(
            apkID: nil, encoding: received.encoding, fileName: received.fileName, byteCount: received.byteCount,
            sha256: received.sha256, declaredContentLength: declaredLength, fallbackURL: fallback,
            segmentIDs: segments ?? [], sendToSamsung: samsung, storeMetadata: flat, problems: problems)
        guard problems.isEmpty else {
            uploads.append(upload)
            return .refused(problems)
        }
        let id = UUID().uuidString.lowercased()
        upload.apkID = id
        return .accepted(id, accept(upload, id: id, sendToSamsung: samsung ?? false))
    }

    /// Multipart: JSON text parts (`store_metadata`, `variant_segment_ids`) or bracketed keys.
    static func multipart(_ reader: FakeMultipartReader) -> ReceivedUpload {
        var received = ReceivedUpload(encoding: "multipart")
        for (name, value) in reader.fields {
            if name.contains("[") {
                insert(value, at: path(of: name), into: &received.fields)
            } else if ["store_metadata", "variant_segment_ids"].contains(name),
                let parsed = try? JSONSerialization.jsonObject(with: Data(value.utf8), options: [.fragmentsAllowed])
            {
                received.fields[name] = parsed
            } else {
                received.fields[name] = value
            }
        }
        received.fields = arrays(received.fields) as? [String: Any] ?? received.fields
        if let file = reader.files.first(where: { $0.name == "file" }) {
            received.hasFile = true
            received.fileName = file.fileName
            received.byteCount = file.byteCount
            received.sha256 = file.sha256
        }
        return received
    }

    /// JSON: the file base64-encoded in `file`.
    static func json(_ object: [String: Any]) -> ReceivedUpload {
        var received = ReceivedUpload(encoding: "json")
        var fields = object
        if let encoded = fields.removeValue(forKey: "file") as? String, let data = Data(base64Encoded: encoded) {
            received.hasFile = true
            received.byteCount = Int64(data.count)
            received.sha256 = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        received.fields = fields
        return received
    }

    /// `store_metadata[permissions][x][category]` → `["store_metadata", "permissions", "x", "category"]`.
    static func path(of name: String) -> [String] {
        var parts = [String(name.prefix { $0 != "[" })]
        var rest = name.drop { $0 != "[" }
        while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            parts.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return parts
    }

    static func insert(_ value: String, at path: [String], into object: inout [String: Any]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
            return
        }
        var child = object[first] as? [String: Any] ?? [:]
        insert(value, at: Array(path.dropFirst()), into: &child)
        object[first] = child
    }

    /// Objects whose keys are all `0`, `1`, … become arrays, as form decoders do.
    static func arrays(_ value: Any) -> Any {
        guard let object = value as? [String: Any] else { return value }
        let converted = object.mapValues { arrays($0) }
        let indices = converted.keys.compactMap { Int($0) }
        if !converted.isEmpty, indices.count == converted.count, Set(indices) == Set(0..<converted.count) {
            return (0..<converted.count).map { converted[String($0)]! }
        }
        return converted
    }

    static func bool(_ value: Any?) -> Bool? {
        switch value {
        case let flag as Bool: flag
        case let text as String where text == "true" || text == "false": text == "true"
        default: nil
        }
    }

    /// Dotted keys and text values: `permissions.access_network_state.category` → `network`.
    static func flatten(_ object: [String: Any], prefix: String = "") -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in object {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case let nested as [String: Any]:
                result.merge(flatten(nested, prefix: name)) { $1 }
            case let number as NSNumber:
                result[name] = number.stringValue
            default:
                result[name] = "\(value)"
            }
        }
        return result
    }
}
