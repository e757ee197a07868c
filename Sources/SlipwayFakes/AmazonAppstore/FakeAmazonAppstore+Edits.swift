import Foundation

/// The Edit's state machine: what each call does to the app's one Edit, with Amazon's rules on
/// ETags, review state and validation.
extension FakeAmazonAppstore {
    static let apkContentTypes = ["application/vnd.android.package-archive", "application/octet-stream"]

    func editKey(_ route: FakeAmazonRoute) -> String { "edit:\(route.editID)" }
    func apkKey(_ route: FakeAmazonRoute) -> String { "apk:\(route.editID):\(route.apkID)" }
    func listingKey(_ route: FakeAmazonRoute) -> String { "listing:\(route.editID):\(route.language)" }
    func imagesKey(_ route: FakeAmazonRoute) -> String {
        "images:\(route.editID):\(route.language):\(route.imageType)"
    }
    func availabilityKey(_ route: FakeAmazonRoute) -> String { "availability:\(route.editID)" }

    /// The resource a request addresses, whose ETag a `staleETag` fault changes.
    func resourceKey(_ route: FakeAmazonRoute) -> String {
        switch route.operation {
        case .getAPK, .deleteAPK, .replaceAPK: apkKey(route)
        case .getListing, .updateListing: listingKey(route)
        case .listImages, .deleteImages, .uploadImage: imagesKey(route)
        case .getAvailability, .updateAvailability: availabilityKey(route)
        default: editKey(route)
        }
    }

    static func editJSON(_ edit: EditState) -> [String: Any] { ["id": edit.id, "status": edit.status] }

    static func apkJSON(_ apk: FakeAmazonAPK) -> [String: Any] {
        ["id": apk.id, "name": apk.name, "versionCode": apk.versionCode]
    }

    /// Faults that change state before the request is looked at.
    func apply(_ fault: FakeAmazonFault?, to route: FakeAmazonRoute) {
        switch fault {
        case .staleETag: changed(resourceKey(route), editKey(route))
        case .enterReview: apps[route.appID]?.inReview = true
        default: break
        }
    }

    /// 400 without `If-Match`, 412 when it is not the resource's current ETag.
    func checkIfMatch(_ ifMatch: String?, _ key: String) -> FakeAmazonReply? {
        guard let ifMatch, !ifMatch.isEmpty else { return .error(400, "If-Match header is required") }
        guard ifMatch == etag(key) else {
            return .error(412, "The resource has changed since it was read (ETag mismatch); GET it again")
        }
        return nil
    }

    /// 412 while the app is in review or the Edit is already submitted.
    func checkEditable(_ app: AppState) -> FakeAmazonReply? {
        if app.inReview || (app.edit.map { $0.status != "IN_PROGRESS" } ?? false) {
            return .error(412, "Apps cannot be updated when they are in the Amazon review process")
        }
        return nil
    }

    func openEditOrNotFound(_ route: FakeAmazonRoute) -> (AppState, EditState)? {
        guard let app = apps[route.appID], let edit = app.edit, edit.id == route.editID else { return nil }
        return (app, edit)
    }

    func validationErrors(_ edit: EditState, fault: FakeAmazonFault?) -> [String] {
        if case .validationErrors(let errors) = fault { return errors }
        return edit.apks.isEmpty ? ["The edit has no APK. Upload at least one APK."] : []
    }

    func respond(_ route: FakeAmazonRoute, ifMatch: String?, body: Data, fault: FakeAmazonFault?) -> FakeAmazonReply {
        guard var app = apps[route.appID] else {
            return .error(404, "Application \(route.appID) not found")
        }
        apply(fault, to: route)
        app = apps[route.appID]!
        switch route.operation {
        case .getActiveEdit:
            guard var edit = app.edit else { return .json(200, [String: Any]()) }
            // A version in review shows as the app's edit in review (no longer IN_PROGRESS).
            if app.inReview { edit.status = "REVIEW" }
            return .json(200, Self.editJSON(edit), etag: etag("edit:\(edit.id)"))
        case .createEdit:
            if app.edit != nil { return .error(409, code: "conflict", "An edit already exists for this application") }
            if app.inReview {
                return .error(412, "Cannot create a new edit for the app in its current state")
            }
            let edit = makeEdit(from: app)
            app.edit = edit
            apps[route.appID] = app
            noteCreated(edit.id)
            return .json(200, Self.editJSON(edit), etag: etag("edit:\(edit.id)"))
        default:
            break
        }

        guard let (_, edit) = openEditOrNotFound(route) else {
            return .error(404, "Edit \(route.editID) not found for application \(route.appID)")
        }
        var updated = edit
        let reply: FakeAmazonReply
        switch route.operation {
        case .getEdit:
            return .json(200, Self.editJSON(edit), etag: etag(editKey(route)))
        case .deleteEdit:
            if let refusal = checkIfMatch(ifMatch, editKey(route)) { return refusal }
            if edit.status != "IN_PROGRESS" { return .error(412, "A submitted edit cannot be deleted") }
            apps[route.appID]?.edit = nil
            noteDeleted(edit.id)
            return .noContent
        case .validateEdit:
            if ifMatch != nil, let refusal = checkIfMatch(ifMatch, editKey(route)) { return refusal }
            if let refusal = checkEditable(app) { return refusal }
            let errors = validationErrors(edit, fault: fault)
            guard errors.isEmpty else { return .error(403, code: "validation_failed", messages: errors) }
            return .json(200, Self.editJSON(edit), etag: etag(editKey(route)))
        case .commitEdit:
            if let refusal = checkIfMatch(ifMatch, editKey(route)) { return refusal }
            if let refusal = checkEditable(app) { return refusal }
            let errors = validationErrors(edit, fault: fault)
            guard errors.isEmpty else { return .error(403, code: "validation_failed", messages: errors) }
            updated.status = "REVIEW"
            apps[route.appID]?.inReview = true
            noteCommitted(edit.id)
            changed(editKey(route))
            reply = .json(200, Self.editJSON(updated), etag: etag(editKey(route)))
        case .listAPKs:
            guard !edit.apks.isEmpty else { return .noContent }
            return .json(200, edit.apks.map(Self.apkJSON))
        case .getAPK:
            guard let apk = edit.apks.first(where: { $0.id == route.apkID }) else {
                return .error(404, "APK \(route.apkID) not found")
            }
            return .json(200, Self.apkJSON(apk), etag: etag(apkKey(route)))
        case .deleteAPK:
            guard edit.apks.contains(where: { $0.id == route.apkID }) else {
                return .error(404, "APK \(route.apkID) not found")
            }
            if let refusal = checkIfMatch(ifMatch, apkKey(route)) ?? checkEditable(app) { return refusal }
            updated.apks.removeAll { $0.id == route.apkID }
            changed(apkKey(route), editKey(route))
            reply = .noContent
        case .attachAPK:
            if let refusal = checkEditable(app) { return refusal }
            if ifMatch != nil, let refusal = checkIfMatch(ifMatch, editKey(route)) { return refusal }
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                let fileID = object["fileId"] as? String
            else {
                return .error(400, "fileId is required")
            }
            guard let file = app.largeFiles[fileID] else { return .error(404, "File \(fileID) not found") }
            let apk = FakeAmazonAPK(
                id: "M" + FakeOpaque.hex(bytes: 6).uppercased(), name: file.name ?? "large.apk",
                versionCode: makeVersionCode(), byteCount: file.bytes, sha256: file.sha256, via: "large")
            updated.apks.append(apk)
            apps[route.appID]?.largeFiles[fileID] = nil
            changed(editKey(route))
            reply = .json(200, Self.apkJSON(apk))
        case .listListings:
            var listings: [String: Any] = [:]
            for (language, data) in edit.listings {
                listings[language] = (try? JSONSerialization.jsonObject(with: data)) ?? [:]
            }
            return .json(200, ["listings": listings], etag: etag(editKey(route)))
        case .getListing:
            guard Self.languages.contains(route.language) else {
                return .error(400, "Unsupported language \(route.language)")
            }
            let object = edit.listings[route.language].flatMap { try? JSONSerialization.jsonObject(with: $0) }
                ?? ["language": route.language]
            return .json(200, object, etag: etag(listingKey(route)))
        case .updateListing:
            guard Self.languages.contains(route.language) else {
                return .error(400, "Unsupported language \(route.language)")
            }
            if let refusal = checkIfMatch(ifMatch, listingKey(route)) ?? checkEditable(app) { return refusal }
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                return .error(400, "The body must be a listing object")
            }
            if let language = object["language"] as? String, language != route.language {
                return .error(400, "language \(language) does not match the path (\(route.language))")
            }
            if let stored = edit.listings[route.language],
                let previous = try? JSONSerialization.jsonObject(with: stored) as? [String: Any]
            {
                let dropped = previous.keys.filter { object[$0] == nil }.sorted()
                if !dropped.isEmpty {
                    return .error(
                        400, messages: dropped.map { "\($0) is required: PUT replaces the whole listing" })
                }
            }
            updated.listings[route.language] = body
            changed(listingKey(route), editKey(route))
            reply = .json(200, object, etag: etag(listingKey(route)))
        case .listImages:
            if let refusal = checkImageRoute(route) { return refusal }
            let ids = edit.images["\(route.language)/\(route.imageType)"] ?? []
            return .json(200, ["images": ids.map { ["id": $0] }], etag: etag(imagesKey(route)))
        case .deleteImages:
            if let refusal = checkImageRoute(route) ?? checkIfMatch(ifMatch, imagesKey(route)) ?? checkEditable(app) {
                return refusal
            }
            updated.images["\(route.language)/\(route.imageType)"] = []
            changed(imagesKey(route), editKey(route))
            reply = .noContent
        case .getAvailability:
            let object = edit.availability.flatMap { try? JSONSerialization.jsonObject(with: $0) }
                ?? ["publishingDate": NSNull()]
            return .json(200, object, etag: etag(availabilityKey(route)))
        case .updateAvailability:
            if let refusal = checkIfMatch(ifMatch, availabilityKey(route)) ?? checkEditable(app) { return refusal }
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                let date = object["publishingDate"] as? [String: Any], let dateTime = date["dateTime"] as? String,
                let zoneID = date["zoneId"] as? String
            else {
                return .error(400, "publishingDate with dateTime and zoneId is required")
            }
            guard Self.isDateTime(dateTime) else {
                return .error(400, code: "invalid_data", "dateTime must be YYYY-MM-DDThh:mm:ss.s, not \(dateTime)")
            }
            guard Self.zoneIDs.contains(zoneID) else {
                return .error(400, code: "invalid_data", "Unsupported zoneId \(zoneID)")
            }
            updated.availability = body
            changed(availabilityKey(route), editKey(route))
            reply = .json(200, object, etag: etag(availabilityKey(route)))
        default:
            return .error(404, "Unknown resource")
        }
        apps[route.appID]?.edit = updated
        return reply
    }

    func checkImageRoute(_ route: FakeAmazonRoute) -> FakeAmazonReply? {
        guard Self.languages.contains(route.language) else { return .error(400, "Unsupported language \(route.language)") }
        guard Self.imageTypes.contains(route.imageType) else {
            return .error(400, "Unsupported imageType \(route.imageType)")
        }
        return nil
    }

    // MARK: Uploads (bodies streamed outside the actor)

    /// Everything that can be refused before the body is read.
    func precheckUpload(
        _ route: FakeAmazonRoute, ifMatch: String?, contentType: String?, declaredLength: Int64?,
        fault: FakeAmazonFault?
    ) -> FakeAmazonReply? {
        guard apps[route.appID] != nil else { return .error(404, "Application \(route.appID) not found") }
        apply(fault, to: route)
        guard let (app, edit) = openEditOrNotFound(route) else {
            return .error(404, "Edit \(route.editID) not found for application \(route.appID)")
        }
        let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        switch route.operation {
        case .uploadAPK, .replaceAPK:
            if route.operation == .replaceAPK {
                guard edit.apks.contains(where: { $0.id == route.apkID }) else {
                    return .error(404, "APK \(route.apkID) not found")
                }
                if let refusal = checkIfMatch(ifMatch, apkKey(route)) { return refusal }
            }
            if let refusal = checkEditable(app) { return refusal }
            guard let type, Self.apkContentTypes.contains(type) else {
                return .error(415, "Content-Type must be application/vnd.android.package-archive")
            }
            if let declaredLength, declaredLength > largeFileThresholdBytes {
                return .error(413, "APK files larger than 300 MB must be uploaded with uploadLargeApk and attachApk")
            }
        case .uploadLargeAPK:
            if let refusal = checkEditable(app) { return refusal }
            guard let type, Self.apkContentTypes.contains(type) || type == "multipart/form-data" else {
                return .error(415, "Content-Type must be an APK or multipart/form-data")
            }
        case .uploadImage:
            if let refusal = checkImageRoute(route) ?? checkIfMatch(ifMatch, imagesKey(route)) ?? checkEditable(app) {
                return refusal
            }
            guard let type, type.hasPrefix("image/") || type == "application/octet-stream" else {
                return .error(415, "Content-Type must be an image type")
            }
        default:
            return .error(404, "Unknown resource")
        }
        return nil
    }

    /// Stores what arrived, after the body was read and hashed.
    func finishUpload(
        _ route: FakeAmazonRoute, bytes: Int64, sha256: String, fileName: String?, versionCode: Int? = nil
    ) -> FakeAmazonReply {
        guard let (_, edit) = openEditOrNotFound(route) else {
            return .error(404, "Edit \(route.editID) not found for application \(route.appID)")
        }
        guard bytes > 0 else { return .error(400, "The upload is empty") }
        var updated = edit
        let reply: FakeAmazonReply
        switch route.operation {
        case .uploadAPK:
            guard bytes <= largeFileThresholdBytes else {
                return .error(413, "APK files larger than 300 MB must be uploaded with uploadLargeApk and attachApk")
            }
            let apk = FakeAmazonAPK(
                id: "M" + FakeOpaque.hex(bytes: 6).uppercased(), name: fileName ?? "app.apk",
                versionCode: versionCode ?? makeVersionCode(), byteCount: bytes, sha256: sha256, via: "upload")
            updated.apks.append(apk)
            changed(editKey(route))
            reply = .json(200, Self.apkJSON(apk))
        case .replaceAPK:
            guard bytes <= largeFileThresholdBytes else {
                return .error(413, "APK files larger than 300 MB must be uploaded with uploadLargeApk and attachApk")
            }
            guard let index = updated.apks.firstIndex(where: { $0.id == route.apkID }) else {
                return .error(404, "APK \(route.apkID) not found")
            }
            var apk = updated.apks[index]
            apk.versionCode = versionCode ?? makeVersionCode()
            apk.byteCount = bytes
            apk.sha256 = sha256
            apk.via = "replace"
            if let fileName { apk.name = fileName }
            updated.apks[index] = apk
            changed(apkKey(route), editKey(route))
            reply = .json(200, Self.apkJSON(apk))
        case .uploadLargeAPK:
            let fileID = "amzn1.devportal.file." + FakeOpaque.hex(bytes: 12)
            apps[route.appID]?.largeFiles[fileID] = (bytes, sha256, fileName)
            return .json(200, ["fileId": fileID, "id": fileID])
        case .uploadImage:
            let id = FakeOpaque.hex(bytes: 10)
            let key = "\(route.language)/\(route.imageType)"
            if Self.singleImageTypes.contains(route.imageType) {
                updated.images[key] = [id]
            } else {
                updated.images[key, default: []].append(id)
            }
            changed(imagesKey(route), editKey(route))
            reply = .json(200, ["image": ["id": id]])
        default:
            return .error(404, "Unknown resource")
        }
        apps[route.appID]?.edit = updated
        return reply
    }
}
