import Yams

extension ConfigLoader {

    /// Reads an `amazon-appstore` store. Everything Amazon would refuse later (a language, image type
    /// or time zone it does not support, a malformed release date) is refused here, at its line, so
    /// `slipway validate` catches it before a build is waiting.
    static func readAmazonAppstoreStore(name: String, node: Node, typeNode: Node, reader: inout YAMLNodeReader)
        -> StoreSettings?
    {
        let what = "store \"\(name)\""
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.amazonAppstore) else { return nil }
        let appID = require(fields, "app_id", in: what, at: node, reader: &reader)
            .flatMap { reader.string($0, "\(what) app_id") }
        let clientID = require(fields, "client_id", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what) client_id") }
        let clientSecret = require(fields, "client_secret", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what) client_secret") }
        var appIDValid = true
        if let appID, let appIDNode = fields["app_id"]?.value,
            appID.contains(where: { $0.isWhitespace || "/?#%".contains($0) })
        {
            reader.error(
                appIDNode,
                "\(what) app_id \"\(appID)\" is not an App ID key; copy it from the Developer Console (Upload Your App File → Additional information), like amzn1.devportal.mobileapp.0123abcd")
            appIDValid = false
        }

        var settings = AmazonAppstoreSettings(
            appID: appID ?? "", clientID: clientID ?? .environment("UNSET"),
            clientSecret: clientSecret ?? .environment("UNSET"))
        if let n = fields["api_url"]?.value, let v = reader.url(n, "\(what) api_url") { settings.apiURL = v }
        if let n = fields["token_url"]?.value, let v = reader.url(n, "\(what) token_url") { settings.tokenURL = v }
        if let n = fields["apk_mode"]?.value, let v = reader.string(n, "\(what) apk_mode") {
            if let mode = AmazonAppstoreSettings.APKMode(rawValue: v) {
                settings.apkMode = mode
            } else {
                reader.error(
                    n,
                    "\(what) apk_mode must be replace (keep device targeting), add (upload a new APK) or delete-then-upload (fresh targeting), not \"\(v)\"")
            }
        }
        if let n = fields["replace_apk_id"]?.value, let v = reader.string(n, "\(what) replace_apk_id") {
            settings.replaceAPKID = v
            if settings.apkMode == .add {
                reader.error(n, "\(what) replace_apk_id has no effect with apk_mode: add; remove it or use replace")
            }
        }
        if let n = fields["large_file_threshold_bytes"]?.value,
            let v = reader.int(n, "\(what) large_file_threshold_bytes", range: 1...Int(Int32.max))
        {
            settings.largeFileThresholdBytes = Int64(v)
        }
        if let n = fields["large_upload_encoding"]?.value, let v = reader.string(n, "\(what) large_upload_encoding") {
            if let encoding = AmazonAppstoreSettings.LargeUploadEncoding(rawValue: v) {
                settings.largeUploadEncoding = encoding
            } else {
                reader.error(n, "\(what) large_upload_encoding must be raw or multipart, not \"\(v)\"")
            }
        }
        if let n = fields["release_notes"]?.value, let v = reader.string(n, "\(what) release_notes") {
            settings.releaseNotes = v
        }
        if let n = fields["listings"]?.value { settings.listings = readAmazonListings(n, what: what, reader: &reader) }
        if let n = fields["images"]?.value { settings.images = readAmazonImages(n, what: what, reader: &reader) }
        if let n = fields["availability"]?.value {
            settings.availability = readAmazonAvailability(n, what: what, reader: &reader)
        }
        if let n = fields["validate"]?.value, let v = reader.bool(n, "\(what) validate") { settings.validate = v }
        if let n = fields["commit"]?.value, let v = reader.bool(n, "\(what) commit") { settings.commit = v }
        if let n = fields["keep_edit_on_failure"]?.value, let v = reader.bool(n, "\(what) keep_edit_on_failure") {
            settings.keepEditOnFailure = v
        }
        guard appID != nil, appIDValid, clientID != nil, clientSecret != nil else { return nil }
        return .amazonAppstore(settings)
    }

    private static func checkAmazonLanguage(_ language: String, at node: Node, what: String, reader: inout YAMLNodeReader)
        -> Bool
    {
        guard AmazonAppstoreSettings.languages.contains(language) else {
            var message = "\(what): Amazon does not support the language \"\(language)\"; use one of "
                + AmazonAppstoreSettings.languages.joined(separator: ", ")
            let underscored = String(language.map { $0 == "-" ? "_" : $0 })
            if let guess = AmazonAppstoreSettings.languages.first(where: { $0.lowercased() == underscored.lowercased() }) {
                message += " (did you mean \"\(guess)\"?)"
            }
            reader.error(node, message)
            return false
        }
        return true
    }

    private static func readAmazonListings(_ node: Node, what: String, reader: inout YAMLNodeReader)
        -> [String: AmazonAppstoreSettings.ListingText]
    {
        guard case .mapping(let mapping) = node else {
            reader.error(node, "\(what) listings must map a language code (en_US) to its text")
            return [:]
        }
        var listings: [String: AmazonAppstoreSettings.ListingText] = [:]
        for (key, value) in mapping {
            guard let language = reader.string(key, "\(what) listings language") else { continue }
            guard checkAmazonLanguage(language, at: key, what: "\(what) listings", reader: &reader) else { continue }
            let inner = "\(what) listings.\(language)"
            guard
                let fields = reader.entries(
                    value, in: inner, allowed: ConfigKeys.amazonListing)
            else { continue }
            var text = AmazonAppstoreSettings.ListingText()
            if let n = fields["recent_changes"]?.value { text.recentChanges = reader.string(n, "\(inner).recent_changes") }
            if let n = fields["title"]?.value { text.title = reader.string(n, "\(inner).title") }
            if let n = fields["short_description"]?.value {
                text.shortDescription = reader.string(n, "\(inner).short_description")
            }
            if let n = fields["full_description"]?.value {
                text.fullDescription = reader.string(n, "\(inner).full_description")
            }
            if text == AmazonAppstoreSettings.ListingText() {
                reader.error(value, "\(inner) sets nothing; give recent_changes, title, short_description or full_description")
                continue
            }
            listings[language] = text
        }
        return listings
    }

    private static func readAmazonImages(_ node: Node, what: String, reader: inout YAMLNodeReader)
        -> [AmazonAppstoreSettings.ImageUpload]
    {
        guard case .sequence(let sequence) = node else {
            reader.error(node, "\(what) images must be a list of {language, type, file}")
            return []
        }
        var images: [AmazonAppstoreSettings.ImageUpload] = []
        for (index, item) in sequence.enumerated() {
            let inner = "\(what) images #\(index + 1)"
            guard let fields = reader.entries(item, in: inner, allowed: ConfigKeys.amazonImage)
            else { continue }
            let language = require(fields, "language", in: inner, at: item, reader: &reader)
                .flatMap { reader.string($0, "\(inner) language") }
            let type = require(fields, "type", in: inner, at: item, reader: &reader)
                .flatMap { reader.string($0, "\(inner) type") }
            let file = require(fields, "file", in: inner, at: item, reader: &reader)
                .flatMap { reader.string($0, "\(inner) file") }
            var valid = true
            if let language, !checkAmazonLanguage(language, at: fields["language"]!.value, what: inner, reader: &reader) {
                valid = false
            }
            if let type, !AmazonAppstoreSettings.imageTypes.contains(type) {
                var message = "\(inner) type \"\(type)\" is not an Amazon image type; use one of "
                    + AmazonAppstoreSettings.imageTypes.joined(separator: ", ")
                if let guess = reader.closest(to: type, in: AmazonAppstoreSettings.imageTypes) {
                    message += " (did you mean \"\(guess)\"?)"
                }
                reader.error(fields["type"]!.value, message)
                valid = false
            }
            var replaceExisting = false
            if let n = fields["replace_existing"]?.value, let v = reader.bool(n, "\(inner) replace_existing") {
                replaceExisting = v
            }
            if valid, let language, let type, let file {
                images.append(.init(language: language, imageType: type, file: file, replaceExisting: replaceExisting))
            }
        }
        return images
    }

    private static func readAmazonAvailability(_ node: Node, what: String, reader: inout YAMLNodeReader)
        -> AmazonAppstoreSettings.Availability?
    {
        let inner = "\(what) availability"
        guard let fields = reader.entries(node, in: inner, allowed: ConfigKeys.amazonAvailability) else { return nil }
        let dateTime = require(fields, "date_time", in: inner, at: node, reader: &reader)
            .flatMap { reader.string($0, "\(inner).date_time") }
        let zoneID = require(fields, "zone_id", in: inner, at: node, reader: &reader)
            .flatMap { reader.string($0, "\(inner).zone_id") }
        var valid = true
        if let dateTime, !AmazonAppstoreSettings.isValidDateTime(dateTime) {
            reader.error(
                fields["date_time"]!.value,
                "\(inner).date_time \"\(dateTime)\" is not YYYY-MM-DDThh:mm:ss (like 2026-07-16T19:20:30, quoted so YAML keeps it text)")
            valid = false
        }
        if let zoneID, !AmazonAppstoreSettings.zoneIDs.contains(zoneID) {
            var message = "\(inner).zone_id \"\(zoneID)\" is not a time zone Amazon supports"
            if let guess = reader.closest(to: zoneID, in: AmazonAppstoreSettings.zoneIDs) {
                message += " (did you mean \"\(guess)\"?)"
            }
            message += "; Amazon's list: https://developer.amazon.com/docs/app-submission-api/flows.html#supported-time-zones"
            reader.error(fields["zone_id"]!.value, message)
            valid = false
        }
        guard valid, let dateTime, let zoneID else { return nil }
        return .init(dateTime: dateTime, zoneID: zoneID)
    }
}
