package import AsyncHTTPClient
package import Foundation
package import Logging
import NIOCore
import NIOHTTP1
package import SlipwayCore

/// Delivers an APK to the Amazon Appstore through the App Submission API's Edit lifecycle:
/// reuse the open Edit (or create one), put the APK in as `apk_mode` says (replace keeps device
/// targeting; files above the large-file threshold go through `uploadLargeApk` + `attachApk`),
/// set listing text, images and a release date if configured, then validate and commit.
///
/// Every update is GET → modify → PUT with the ETag in `If-Match`; a 412 is answered by reading
/// again and trying once more, and a second 412 is reported as "app in review", never looped on.
/// On any failure an Edit that Slipway created is deleted (unless `keep_edit_on_failure`); an
/// Edit that was already open is left alone.
package struct AmazonAppstoreSubmission: StoreUploader {
    package let definition: StoreDefinition
    package let settings: AmazonAppstoreSettings
    let api: AmazonSubmissionAPI
    /// Submissions to one app take turns within the process (its one Edit; see `KeyedSerializer`):
    /// one serializer for the process, so stores that name the same app (a store and its per-rule
    /// variants, the old and new config across a reload) take turns too. Replicas are not
    /// coordinated; a 412 that survives a re-read while the Edit is open is retried later.
    static let turns = KeyedSerializer()

    /// - Parameters:
    ///   - settings: image `file`s must already be absolute (the factory anchors them).
    ///   - httpClient: the owner's long-lived client; never shut down here.
    ///   - now: the clock for token expiry.
    package init(
        definition: StoreDefinition, settings: AmazonAppstoreSettings, clientID: Secret, clientSecret: Secret,
        httpClient: HTTPClient, retryPolicy: RetryPolicy = .default, timeouts: StoreHTTPClient.Timeouts = .init(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.definition = definition
        self.settings = settings
        let http = StoreHTTPClient(client: httpClient, timeouts: timeouts)
        let tokens = AmazonAccessTokenProvider(
            clientID: clientID, clientSecret: clientSecret, tokenURL: settings.tokenURL, http: http,
            retryPolicy: retryPolicy, now: now)
        self.api = AmazonSubmissionAPI(
            appID: settings.appID, apiURL: settings.apiURL, http: http, tokens: tokens, retryPolicy: retryPolicy)
    }

    package func deliver(_ artifact: Artifact, for event: BuildEvent, logger: Logger) async throws(StoreError)
        -> StoreResult
    {
        var logger = logger
        logger[metadataKey: "store"] = "\(definition.name)"
        logger[metadataKey: "app"] = "\(settings.appID)"
        let outcome = await Self.turns.run(settings.appID, forwardingCancellation: true) { [self, logger] () async -> Result<StoreResult, StoreCallFailure> in
            do throws(StoreCallFailure) {
                return .success(try await submit(artifact, logger: logger))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let result):
            return result
        case .failure(let error):
            logger.warning("Amazon Appstore delivery failed", metadata: ["failure": "\(error.failure)"])
            throw error.storeError(store: definition.name, storeType: .amazonAppstore)
        }
    }

    // MARK: - Flow

    private func submit(_ artifact: Artifact, logger: Logger) async throws(StoreCallFailure) -> StoreResult {
        guard artifact.kind == .apk else {
            throw StoreCallFailure(
                step: "check artifact", message: "\(artifact.fileName) is not an APK; the Amazon Appstore takes APKs only",
                hint: "send .apk files to this store (artifact_kind: apk)", isRetryable: false)
        }
        let size: Int64
        do {
            size = try await FileUploadBody.size(of: artifact)
        } catch {
            throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: false)
        }
        guard size > 0 else {
            throw StoreCallFailure(step: "read artifact", message: "\(artifact.fileName) is empty", isRetryable: false)
        }
        let isLarge = size > settings.largeFileThresholdBytes
        if isLarge && settings.apkMode == .replace {
            throw StoreCallFailure(
                step: "choose upload",
                message: "\(artifact.fileName) is \(size) bytes, above the large-file threshold (\(settings.largeFileThresholdBytes)); "
                    + "Amazon takes such files only through uploadLargeApk + attachApk, which adds an APK and cannot replace one",
                hint: "set apk_mode: delete-then-upload (the APK's device targeting is reset) or add in store \"\(definition.name)\"",
                isRetryable: false)
        }

        let (edit, created) = try await openEdit(logger: logger)
        logger.info(created ? "created an edit" : "reusing the open edit", metadata: ["edit": "\(edit.id)"])
        do {
            let apk = try await putAPK(artifact, size: size, isLarge: isLarge, into: edit, created: created, logger: logger)
            let languages = try await updateListings(edit, logger: logger)
            for image in settings.images { try await uploadImage(image, into: edit, logger: logger) }
            if let availability = settings.availability {
                try await setAvailability(availability, edit: edit, logger: logger)
            }
            if settings.validate {
                _ = try await api.finish(edit, action: "validate", step: "validate the edit", logger: logger)
            }
            var commitState = "not committed (commit: false); finish it in the Developer Console"
            var summary = "edit \(edit.id) prepared, not committed"
            if settings.commit {
                let committed = try await api.finish(edit, action: "commit", step: "commit the edit", logger: logger)
                commitState = "committed" + (committed.status.map { " (status \($0))" } ?? "")
                summary = "submitted for review"
            }
            logger.info("Amazon Appstore edit done", metadata: ["edit": "\(edit.id)", "commit": "\(commitState)"])

            var details = [
                StoreResult.Detail(label: "Edit", value: "\(edit.id) (\(created ? "created" : "reused the open edit"))"),
                StoreResult.Detail(label: "APK version code", value: apk.apk.versionCode.map(String.init) ?? "unknown"),
                StoreResult.Detail(label: "APK", value: apk.action),
                StoreResult.Detail(label: "Commit state", value: commitState),
            ]
            if !languages.isEmpty {
                details.append(.init(label: "Listings updated", value: languages.joined(separator: ", ")))
            }
            if !settings.images.isEmpty { details.append(.init(label: "Images uploaded", value: "\(settings.images.count)")) }
            if let availability = settings.availability {
                details.append(.init(label: "Release date", value: "\(availability.dateTime) \(availability.zoneID)"))
            }
            if let versionCode = apk.apk.versionCode { summary += ": version code \(versionCode)" }
            return StoreResult(
                store: definition.name, storeType: .amazonAppstore, state: .succeeded, summary: summary,
                details: details)
        } catch {
            throw await cleanUp(after: error, edit: edit, created: created, logger: logger)
        }
    }

    /// Deletes an Edit Slipway created (unless configured to keep it) and says what became of the
    /// Edit in the failure's hint.
    private func cleanUp(after failure: StoreCallFailure, edit: AmazonEdit, created: Bool, logger: Logger) async
        -> StoreCallFailure
    {
        var failure = failure
        let note: String
        if !created {
            note = "The edit \(edit.id) was already open before this delivery and was left as it is."
        } else if settings.keepEditOnFailure {
            note = "The edit \(edit.id) that Slipway created was kept (keep_edit_on_failure); finish or delete it in the Developer Console."
        } else {
            do {
                try await api.deleteEdit(edit, logger: logger)
                note = "Slipway deleted the edit \(edit.id) it had created, so nothing half-made is left."
            } catch {
                logger.warning("could not delete the edit", metadata: ["edit": "\(edit.id)", "failure": "\(error.failure)"])
                note = "Slipway could not delete the edit \(edit.id) it had created (\(error.failure.message)); delete it in the Developer Console."
            }
        }
        failure.failure.hint = [failure.failure.hint.map { $0.hasSuffix(".") ? $0 : $0 + "." }, note]
            .compactMap { $0 }.joined(separator: " ")
        return failure
    }

    /// The open Edit if there is one, else a new one. `created` says whether Slipway made it.
    private func openEdit(logger: Logger) async throws(StoreCallFailure) -> (AmazonEdit, created: Bool) {
        if let open = try await api.activeEdit(logger: logger) {
            guard open.isInProgress else { throw notEditable(open) }
            return (open, false)
        }
        let response: StoreHTTPResponse
        do {
            response = try await api.createEdit(logger: logger)
        } catch {
            // The answer may have been lost after Amazon created the Edit: look before giving up.
            guard error.isRetryable, let open = try? await api.activeEdit(logger: logger), open.isInProgress else {
                throw error
            }
            return (open, true)
        }
        switch response.status {
        case 200, 201:
            return (try api.decode(AmazonEdit.self, response, step: "create an edit"), true)
        case 409:
            // Opened by someone else between our look and our create: use it.
            guard let open = try await api.activeEdit(logger: logger) else {
                throw api.failure(response, step: "create an edit")
            }
            guard open.isInProgress else { throw notEditable(open) }
            return (open, false)
        case 412:
            var failure = api.failure(response, step: "create an edit")
            failure.failure.message = "Amazon would not open an edit (HTTP 412): the app is pending or in review (\(failure.failure.message))"
            failure.isRetryable = false
            throw failure
        default:
            throw api.failure(response, step: "create an edit")
        }
    }

    private func notEditable(_ edit: AmazonEdit) -> StoreCallFailure {
        StoreCallFailure(
            step: "get the open edit",
            message: "the app's current edit \(edit.id) has status \(edit.status ?? "unknown"), not IN_PROGRESS: a version was submitted and is in review",
            hint: AmazonSubmissionAPI.inReviewHint, isRetryable: false)
    }

    // MARK: APK

    private struct APKOutcome {
        var apk: AmazonAPK
        var action: String
    }

    private func putAPK(
        _ artifact: Artifact, size: Int64, isLarge: Bool, into edit: AmazonEdit, created: Bool, logger: Logger
    ) async throws(StoreCallFailure) -> APKOutcome {
        let apksPath = api.editPath(edit) + "/apks"
        // Replacing is the same write again; adding (or deleting, then adding) is not.
        if !created, settings.apkMode != .replace, let earlier = try await earlierUpload(of: artifact, in: edit, logger: logger) {
            return APKOutcome(
                apk: earlier,
                action: "kept \(earlier.id): the edit already had version code \(earlier.versionCode.map(String.init) ?? "?") "
                    + "(an earlier attempt uploaded it)")
        }
        switch settings.apkMode {
        case .add:
            let apk = try await uploadNew(artifact, size: size, isLarge: isLarge, edit: edit, logger: logger)
            return APKOutcome(apk: apk, action: "added \(apk.id)" + (isLarge ? " (large upload)" : ""))
        case .replace:
            guard let target = try await matchingAPK(artifact, edit: edit, logger: logger) else {
                let apk = try await uploadNew(artifact, size: size, isLarge: false, edit: edit, logger: logger)
                return APKOutcome(apk: apk, action: "uploaded \(apk.id) (the edit had no APK to replace)")
            }
            let step = "replace APK"
            let path = apksPath + "/\(AmazonSubmissionAPI.pathComponent(target.id))"
            let response = try await api.update(step: step, logger: logger) { () async throws(StoreCallFailure) in
                try await api.read(path, step: step, logger: logger)
            } write: { (current) async throws(StoreCallFailure) in
                try await api.send(
                    .init(
                        step: step, method: .PUT, path: path + "/replace", ifMatch: current.etag,
                        body: .file(path: artifact.path, size: size, contentType: Self.apkContentType, arrival: artifact.arrival),
                        fileName: artifact.fileName, idempotent: true),
                    logger: logger)
            }
            try api.expect(response, [200, 201], step: step)
            let apk = try api.decode(AmazonAPK.self, response, step: step)
            return APKOutcome(apk: apk, action: "replaced \(target.id) (device targeting kept)")
        case .deleteThenUpload:
            var action = "uploaded"
            if let target = try await matchingAPK(artifact, edit: edit, logger: logger) {
                let step = "delete APK"
                let path = apksPath + "/\(AmazonSubmissionAPI.pathComponent(target.id))"
                let response = try await api.update(step: step, logger: logger) { () async throws(StoreCallFailure) in
                    try await api.read(path, step: step, logger: logger)
                } write: { (current) async throws(StoreCallFailure) in
                    try await api.send(
                        .init(step: step, method: .DELETE, path: path, ifMatch: current.etag, idempotent: true),
                        logger: logger)
                }
                try api.expect(response, [200, 204], step: step)
                action = "deleted \(target.id), uploaded"
            }
            let apk = try await uploadNew(artifact, size: size, isLarge: isLarge, edit: edit, logger: logger)
            return APKOutcome(
                apk: apk, action: "\(action) \(apk.id) (new device targeting)" + (isLarge ? " (large upload)" : ""))
        }
    }

    static let apkContentType = "application/vnd.android.package-archive"

    /// The APK to replace or delete: `replace_apk_id`, the only one, or the one named like the
    /// artifact. Nil when the Edit has none.
    private func matchingAPK(_ artifact: Artifact, edit: AmazonEdit, logger: Logger) async throws(StoreCallFailure)
        -> AmazonAPK?
    {
        let step = "list APKs"
        let apks = try await listAPKs(edit, logger: logger)
        let listed = apks.map { "\($0.id) (\($0.name ?? "unnamed"), version code \($0.versionCode.map(String.init) ?? "?"))" }
            .joined(separator: ", ")
        if let wanted = settings.replaceAPKID {
            guard let apk = apks.first(where: { $0.id == wanted }) else {
                throw StoreCallFailure(
                    step: step, message: "the edit has no APK with id \(wanted); it has: \(listed.isEmpty ? "none" : listed)",
                    hint: "fix replace_apk_id in store \"\(definition.name)\"", isRetryable: false)
            }
            return apk
        }
        if apks.count <= 1 { return apks.first }
        if let named = apks.first(where: { $0.name == artifact.fileName }) { return named }
        throw StoreCallFailure(
            step: step,
            message: "the edit has \(apks.count) APKs and none is named \(artifact.fileName): \(listed)",
            hint: "set replace_apk_id in store \"\(definition.name)\" to the APK this build replaces, or use apk_mode: add",
            isRetryable: false)
    }

    private func uploadNew(_ artifact: Artifact, size: Int64, isLarge: Bool, edit: AmazonEdit, logger: Logger)
        async throws(StoreCallFailure) -> AmazonAPK
    {
        let apksPath = api.editPath(edit) + "/apks"
        guard isLarge else {
            let step = "upload APK"
            let response = try await api.send(
                .init(
                    step: step, method: .POST, path: apksPath + "/upload",
                    body: .file(path: artifact.path, size: size, contentType: Self.apkContentType, arrival: artifact.arrival),
                    fileName: artifact.fileName, idempotent: false),
                logger: logger)
            if response.status == 412 { throw api.inReviewFailure(response, step: step) }
            try api.expect(response, [200, 201], step: step)
            return try api.decode(AmazonAPK.self, response, step: step)
        }

        let uploadStep = "upload large APK"
        let body: AmazonRequestBody =
            switch settings.largeUploadEncoding {
            case .raw: .file(path: artifact.path, size: size, contentType: Self.apkContentType, arrival: artifact.arrival)
            case .multipart:
                .multipartFile(
                    path: artifact.path, size: size, fileName: artifact.fileName, contentType: Self.apkContentType,
                    arrival: artifact.arrival)
            }
        let uploaded = try await api.send(
            .init(
                step: uploadStep, method: .POST, path: apksPath + "/large/upload", body: body,
                fileName: artifact.fileName, idempotent: false),
            logger: logger)
        if uploaded.status == 412 { throw api.inReviewFailure(uploaded, step: uploadStep) }
        try api.expect(uploaded, [200, 201], step: uploadStep)
        struct LargeFile: Decodable {
            var fileId: String?
            var id: String?
        }
        let file = try api.decode(LargeFile.self, uploaded, step: uploadStep)
        guard let fileID = file.fileId ?? file.id, !fileID.isEmpty else {
            throw StoreCallFailure(
                step: uploadStep, message: "Amazon's answer to uploadLargeApk has neither fileId nor id",
                httpStatus: uploaded.status, isRetryable: false)
        }

        let attachStep = "attach large APK"
        let json = ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: ["fileId": fileID])) ?? Data())
        let attached = try await api.update(step: attachStep, logger: logger) { () async throws(StoreCallFailure) in
            try await api.readEdit(edit, step: attachStep, logger: logger)
        } write: { (current) async throws(StoreCallFailure) in
            try await api.send(
                .init(
                    step: attachStep, method: .POST, path: apksPath + "/attach", ifMatch: current.etag,
                    body: .json(json), idempotent: false),
                logger: logger)
        }
        try api.expect(attached, [200, 201], step: attachStep)
        return try api.decode(AmazonAPK.self, attached, step: attachStep)
    }

    // MARK: Listings, images, availability

    /// Sets listing text: `listings` per language, and `release_notes` as `recentChanges` of every
    /// other listing the Edit has. Returns the languages written.
    private func updateListings(_ edit: AmazonEdit, logger: Logger) async throws(StoreCallFailure) -> [String] {
        var texts = settings.listings
        if let notes = settings.releaseNotes {
            let step = "list listings"
            let current = try await api.read(api.editPath(edit) + "/listings", step: step, logger: logger)
            struct Listings: Decodable { var listings: [String: AmazonListingLanguage]? }
            let languages = (try? JSONDecoder().decode(Listings.self, from: current.value))?.listings ?? [:]
            for (key, listing) in languages {
                let language = listing.language ?? key
                texts[language, default: .init()].recentChanges = texts[language]?.recentChanges ?? notes
            }
            for language in texts.keys where texts[language]?.recentChanges == nil {
                texts[language]?.recentChanges = notes
            }
        }
        for (language, text) in texts.sorted(by: { $0.key < $1.key }) {
            let step = "update the \(language) listing"
            let path = api.editPath(edit) + "/listings/\(AmazonSubmissionAPI.pathComponent(language))"
            let response = try await api.update(step: step, logger: logger) { () async throws(StoreCallFailure) in
                try await api.read(path, step: step, logger: logger)
            } write: { (current) async throws(StoreCallFailure) in
                var object = (try? JSONSerialization.jsonObject(with: current.value)) as? [String: Any] ?? [:]
                object["language"] = object["language"] ?? language
                if let value = text.recentChanges { object["recentChanges"] = value }
                if let value = text.title { object["title"] = value }
                if let value = text.shortDescription { object["shortDescription"] = value }
                if let value = text.fullDescription { object["fullDescription"] = value }
                let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
                return try await api.send(
                    .init(
                        step: step, method: .PUT, path: path, ifMatch: current.etag, body: .json(ByteBuffer(bytes: data)),
                        idempotent: true),
                    logger: logger)
            }
            try api.expect(response, [200, 201, 204], step: step)
        }
        return texts.keys.sorted()
    }

    private func uploadImage(_ image: AmazonAppstoreSettings.ImageUpload, into edit: AmazonEdit, logger: Logger)
        async throws(StoreCallFailure)
    {
        let path = api.editPath(edit)
            + "/listings/\(AmazonSubmissionAPI.pathComponent(image.language))/\(AmazonSubmissionAPI.pathComponent(image.imageType))"
        if image.replaceExisting {
            let step = "delete \(image.language) \(image.imageType)"
            let response = try await api.update(step: step, logger: logger) { () async throws(StoreCallFailure) in
                try await api.read(path, step: step, logger: logger)
            } write: { (current) async throws(StoreCallFailure) in
                try await api.send(
                    .init(step: step, method: .DELETE, path: path, ifMatch: current.etag, idempotent: true), logger: logger)
            }
            try api.expect(response, [200, 204], step: step)
        }
        let step = "upload \(image.language) \(image.imageType) image"
        let size: Int64
        do {
            size = try await FileUploadBody.size(ofFileAt: image.file)
        } catch {
            throw StoreCallFailure(
                step: step, message: error.description,
                hint: "check the images file path in store \"\(definition.name)\"", isRetryable: false)
        }
        let fileName = (image.file as NSString).lastPathComponent
        let response = try await api.update(step: step, logger: logger) { () async throws(StoreCallFailure) in
            try await api.read(path, step: step, logger: logger)
        } write: { (current) async throws(StoreCallFailure) in
            try await api.send(
                .init(
                    step: step, method: .POST, path: path + "/upload", ifMatch: current.etag,
                    body: .file(path: image.file, size: size, contentType: Self.imageContentType(image.file), arrival: nil),
                    fileName: fileName, idempotent: false),
                logger: logger)
        }
        try api.expect(response, [200, 201], step: step)
    }

    static func imageContentType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        default: "application/octet-stream"
        }
    }

    private func setAvailability(_ availability: AmazonAppstoreSettings.Availability, edit: AmazonEdit, logger: Logger)
        async throws(StoreCallFailure)
    {
        let step = "set the release date"
        let path = api.editPath(edit) + "/availability"
        let response = try await api.update(step: step, logger: logger) { () async throws(StoreCallFailure) in
            try await api.read(path, step: step, logger: logger)
        } write: { (current) async throws(StoreCallFailure) in
            var object = (try? JSONSerialization.jsonObject(with: current.value)) as? [String: Any] ?? [:]
            object["publishingDate"] = ["dateTime": availability.dateTime, "zoneId": availability.zoneID]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return try await api.send(
                .init(
                    step: step, method: .PUT, path: path, ifMatch: current.etag, body: .json(ByteBuffer(bytes: data)),
                    idempotent: true),
                logger: logger)
        }
        try api.expect(response, [200, 201, 204], step: step)
    }
}

/// The one field of a listing Slipway reads from `GET …/listings`.
struct AmazonListingLanguage: Decodable {
    var language: String?
}
