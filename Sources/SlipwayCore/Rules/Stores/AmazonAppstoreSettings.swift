/// Amazon Appstore App Submission API: one Edit per delivery (reused when one is open), the APK
/// put into it the way `apkMode` says, optional listing text, images and release date, then
/// validate and commit (submit for review).
///
/// Options belong to the store definition, not to a rule: a team that wants two behaviours (say,
/// `replace` for the phone app and `add` for a Fire TV APK, or "prepare only" next to "submit")
/// declares two stores.
package struct AmazonAppstoreSettings: Sendable, Equatable, StoreSettingsDescription {
    /// How the delivered APK enters the Edit.
    package enum APKMode: String, Sendable, Equatable, CaseIterable {
        /// `listApks` → `replaceApk` on the matching APK: keeps its device targeting. With no APK in
        /// the Edit (one deleted in the console), the APK is uploaded instead.
        case replace
        /// `uploadApk`: a new APK next to the existing ones (multi-APK device targeting).
        case add
        /// `deleteApk` on the matching APK, then `uploadApk`: the new APK gets fresh targeting.
        case deleteThenUpload = "delete-then-upload"
    }

    /// How `uploadLargeApk` carries the file. Amazon documents neither: the amazon_appstore gem sends
    /// multipart (part `file`), a public script sends the raw APK. Configurable until confirmed.
    package enum LargeUploadEncoding: String, Sendable, Equatable, CaseIterable {
        case raw
        case multipart
    }

    /// Text of one language's store listing. Fields left nil keep what the Edit already has (the
    /// Edit starts as a copy of the live version).
    package struct ListingText: Sendable, Equatable {
        /// "What's new"; Amazon marks a submission incomplete without it.
        package var recentChanges: String?
        package var title: String?
        package var shortDescription: String?
        package var fullDescription: String?

        package init(
            recentChanges: String? = nil, title: String? = nil, shortDescription: String? = nil,
            fullDescription: String? = nil
        ) {
            self.recentChanges = recentChanges
            self.title = title
            self.shortDescription = shortDescription
            self.fullDescription = fullDescription
        }
    }

    /// An image file to upload for one language and image type.
    package struct ImageUpload: Sendable, Equatable {
        /// A supported language code (`en_US`).
        package var language: String
        /// One of `AmazonAppstoreSettings.imageTypes` (`screenshots`, `small-icons`, …).
        package var imageType: String
        /// The image on disk; relative paths are anchored at the config file's folder.
        package var file: String
        /// Delete the type's existing images first. Single-image types (icons) are replaced anyway;
        /// multi-image types (screenshots) are otherwise added to.
        package var replaceExisting: Bool

        package init(language: String, imageType: String, file: String, replaceExisting: Bool = false) {
            self.language = language
            self.imageType = imageType
            self.file = file
            self.replaceExisting = replaceExisting
        }
    }

    /// A scheduled release: `putAvailability` with a local date-time in one of Amazon's zones.
    package struct Availability: Sendable, Equatable {
        /// `YYYY-MM-DDThh:mm:ss` with optional fraction (`2026-07-16T19:20:30.45`).
        package var dateTime: String
        /// One of `AmazonAppstoreSettings.zoneIDs` (`US_Pacific`).
        package var zoneID: String

        package init(dateTime: String, zoneID: String) {
            self.dateTime = dateTime
            self.zoneID = zoneID
        }
    }

    /// The App ID key from the console (`amzn1.devportal.mobileapp.…`).
    package var appID: String
    /// Login with Amazon security profile: client id and secret, by reference.
    package var clientID: SecretReference
    package var clientSecret: SecretReference
    /// Root of the App Submission API; `/v1/applications/…` is appended.
    package var apiURL: String
    /// Login with Amazon token endpoint (client-credentials grant).
    package var tokenURL: String
    package var apkMode: APKMode
    /// In `replace` / `delete-then-upload` mode with several APKs in the Edit: the APK id to act on.
    /// Without it, the single APK, or the one whose name is the artifact's file name.
    package var replaceAPKID: String?
    /// Files above this size go through `uploadLargeApk` + `attachApk` (Amazon: "larger than 300M").
    package var largeFileThresholdBytes: Int64
    package var largeUploadEncoding: LargeUploadEncoding
    /// `recentChanges` for every listing the Edit has that `listings` does not name.
    package var releaseNotes: String?
    /// Listing text per supported language code.
    package var listings: [String: ListingText]
    package var images: [ImageUpload]
    package var availability: Availability?
    /// Call `validateEdit` before committing (its errors are clearer than a failed commit's).
    package var validate: Bool
    /// Commit (submit for review). False prepares the Edit and leaves it open for a person.
    package var commit: Bool
    /// On failure, keep an Edit Slipway created instead of deleting it (to finish it in the console).
    package var keepEditOnFailure: Bool

    package init(
        appID: String, clientID: SecretReference, clientSecret: SecretReference,
        apiURL: String = "https://developer.amazon.com/api/appstore",
        tokenURL: String = "https://api.amazon.com/auth/o2/token", apkMode: APKMode = .replace,
        replaceAPKID: String? = nil, largeFileThresholdBytes: Int64 = 300 * 1024 * 1024,
        largeUploadEncoding: LargeUploadEncoding = .raw, releaseNotes: String? = nil,
        listings: [String: ListingText] = [:], images: [ImageUpload] = [], availability: Availability? = nil,
        validate: Bool = true, commit: Bool = true, keepEditOnFailure: Bool = false
    ) {
        self.appID = appID
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.apiURL = apiURL
        self.tokenURL = tokenURL
        self.apkMode = apkMode
        self.replaceAPKID = replaceAPKID
        self.largeFileThresholdBytes = largeFileThresholdBytes
        self.largeUploadEncoding = largeUploadEncoding
        self.releaseNotes = releaseNotes
        self.listings = listings
        self.images = images
        self.availability = availability
        self.validate = validate
        self.commit = commit
        self.keepEditOnFailure = keepEditOnFailure
    }

    package var explanation: String {
        var parts = ["app \(appID)", "\(apkMode.rawValue) APK"]
        if !listings.isEmpty || releaseNotes != nil { parts.append("listing text") }
        if !images.isEmpty { parts.append("\(images.count) image\(images.count == 1 ? "" : "s")") }
        if let availability { parts.append("release \(availability.dateTime) \(availability.zoneID)") }
        parts.append(commit ? "validate and commit the edit" : "leave the edit open (commit: false)")
        return parts.joined(separator: ", ")
    }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        [("client_id", clientID), ("client_secret", clientSecret)]
    }

    // MARK: What Amazon documents as valid (flows page)

    /// Values of the `language` path parameter.
    package static let languages: [String] = [
        "zh_CN", "de_DE", "en_AU", "en_GB", "en_IN", "en_US", "es_ES", "fr_FR", "it_IT", "ja_JP", "pt_BR",
    ]

    /// Values of `imageType`.
    package static let imageTypes: [String] = [
        "small-icons", "large-icons", "screenshots", "promo-images", "firetv-screenshots", "firetv-icons",
        "firetv-backgrounds", "firetv-featured-backgrounds", "firetv-featured-logos",
    ]

    /// Values of `zoneId` for a scheduled release.
    package static let zoneIDs: [String] = [
        "US_Alaska", "US_Arizona", "US_Central", "US_East", "US_Eastern", "US_Hawaii", "US_Mountain", "US_Pacific",
        "Canada_Eastern", "Canada_Newfoundland", "Canada_Saskatchewan",
        "Europe_Athens", "Europe_Belgrade", "Europe_Berlin", "Europe_Brussels", "Europe_Helsinki", "Europe_London",
        "Europe_Madrid", "Europe_Minsk", "Europe_Moscow", "Europe_Paris", "Europe_Rome", "Europe_Warsaw",
        "Atlantic_Azores", "Atlantic_Cape_Verde", "Atlantic_South_Georgia",
        "Africa_Algiers", "Africa_Cairo", "Africa_Casablanca", "Africa_Harare", "Africa_Nairobi", "Africa_Windhoek",
        "Asia_Amman", "Asia_Baghdad", "Asia_Baku", "Asia_Bangkok", "Asia_Beirut", "Asia_Calcutta", "Asia_Colombo",
        "Asia_Dhaka", "Asia_Irkutsk", "Asia_Jerusalem", "Asia_Kabul", "Asia_Karachi", "Asia_Katmandu", "Asia_Kolkata",
        "Asia_Krasnoyarsk", "Asia_Kuala_Lumpur", "Asia_Kuwait", "Asia_Magadan", "Asia_Muscat", "Asia_Novosibirsk",
        "Asia_Rangoon", "Asia_Seoul", "Asia_Shanghai", "Asia_Taipei", "Asia_Tbilisi", "Asia_Tehran", "Asia_Tokyo",
        "Asia_Vladivostok", "Asia_Yakutsk", "Asia_Yekaterinburg", "Asia_Yerevan",
        "Australia_Adelaide", "Australia_Brisbane", "Australia_Darwin", "Australia_Hobart", "Australia_Perth",
        "Australia_Sydney",
        "Pacific_Auckland", "Pacific_Fiji", "Pacific_Guam", "Pacific_Midway", "Pacific_Tongatapu",
        "America_Bogota", "America_Buenos_Aires", "America_Caracas", "America_Chihuahua", "America_Godthab",
        "America_Guatemala", "America_Los_Angeles", "America_Manaus", "America_Mexico_City", "America_Montevideo",
        "America_Santiago", "America_Tijuana", "Brazil_East",
    ]

    /// Whether `text` is `YYYY-MM-DDThh:mm:ss` with an optional `.fraction`, a real calendar date.
    package static func isValidDateTime(_ text: String) -> Bool {
        let parts = text.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        var time = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard date.count == 3, time.count == 3 else { return false }
        let secondsParts = time[2].split(separator: ".", omittingEmptySubsequences: false)
        guard secondsParts.count <= 2 else { return false }
        if secondsParts.count == 2 {
            guard !secondsParts[1].isEmpty, secondsParts[1].allSatisfy(\.isASCIIDigit) else { return false }
        }
        time[2] = secondsParts[0]
        let widths = [4, 2, 2, 2, 2, 2]
        let fields = Array(date) + Array(time)
        guard zip(fields, widths).allSatisfy({ $0.count == $1 && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        let numbers = fields.compactMap { Int($0) }
        let (year, month, day, hour, minute, second) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])
        guard (1...12).contains(month), hour < 24, minute < 60, second < 60 else { return false }
        let isLeap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
