/// Digital Turbine Ignite (App Management API): a client-credentials token from DT's Account
/// Service, one upload of the APK with its store metadata, then status checks until DT's upload
/// processing, Samsung's verification and a DT representative's manual approval are through.
///
/// Everything DT asks for with an upload lives here, per store: a team with two apps (or two
/// segment sets) declares two stores.
package struct IgniteSettings: Sendable, Equatable, StoreSettingsDescription {
    /// How the upload request is encoded. DT's page lists `Content-Type: application/json` and a
    /// binary `file` parameter at once, which cannot both be true; the real encoding is unconfirmed
    /// (store-apis.md §4.2), so it is a setting until DT confirms it.
    package enum UploadEncoding: String, Sendable, Equatable, CaseIterable {
        /// `multipart/form-data`: a `file` part, `store_metadata` and `variant_segment_ids` as JSON
        /// text parts, `fallback_url` and `send_to_samsung` as plain parts. The likeliest reading.
        case multipart
        /// `multipart/form-data` with bracketed keys, as Rails/PHP back ends expect:
        /// `store_metadata[package_name]`, `variant_segment_ids[0]`, `store_metadata[permissions][x][category]`.
        case multipartBracketed = "multipart-bracketed"
        /// One `application/json` body with the APK base64-encoded in `file` (the page's literal
        /// reading). A third larger on the wire; still streamed from disk.
        case jsonBase64 = "json-base64"
    }

    /// One permission the app declares to DT: `permissions.{name}` = `{description: {lang: text}, category}`.
    package struct Permission: Sendable, Equatable {
        /// DT's permission name, e.g. `access_network_state`.
        package var name: String
        package var category: String
        /// Two-letter language code → description in that language.
        package var descriptions: [String: String]

        package init(name: String, category: String, descriptions: [String: String]) {
            self.name = name
            self.category = category
            self.descriptions = descriptions
        }
    }

    /// The `store_metadata` DT requires, except `package_name` and `size`, which Slipway takes from
    /// the APK itself so they can never disagree with the file.
    package struct StoreMetadata: Sendable, Equatable {
        package var category: String
        package var shortDescription: String
        package var iconURL: String
        package var developer: String
        package var email: String
        package var websiteURL: String
        package var marketURL: String
        package var privacyPolicyURL: String
        package var permissions: [Permission]

        package init(
            category: String, shortDescription: String, iconURL: String, developer: String, email: String,
            websiteURL: String, marketURL: String, privacyPolicyURL: String, permissions: [Permission] = []
        ) {
            self.category = category
            self.shortDescription = shortDescription
            self.iconURL = iconURL
            self.developer = developer
            self.email = email
            self.websiteURL = websiteURL
            self.marketURL = marketURL
            self.privacyPolicyURL = privacyPolicyURL
            self.permissions = permissions
        }
    }

    /// Placeholders `fallback_url` may use; filled from the build event and the APK's manifest.
    package static let fallbackURLPlaceholders = [
        "branch", "tag", "sha", "short_sha", "build_number", "version_code", "version_name",
    ]

    /// The client UUID DT's representative hands out. An identifier, not a secret.
    package var clientID: String
    /// The client secret that goes with `clientID`.
    package var clientSecret: SecretReference
    /// The app's package name; the APK's manifest must say the same, or nothing is uploaded.
    package var packageName: String
    /// Where the APK can also be downloaded from (DT requires one); may hold placeholders.
    package var fallbackURL: String
    /// `variant_segment_ids`: UUIDs of the DT segments the APK goes to.
    package var segmentIDs: [String]
    /// Whether Samsung verifies the APK (adds up to a day of waiting).
    package var sendToSamsung: Bool
    package var metadata: StoreMetadata
    package var uploadEncoding: UploadEncoding
    /// Root of DT's Account Service (token host).
    package var tokenURL: String
    /// The token path. DT's text says `/api/auth/token`, its diagram `api/post/auth/token`.
    package var tokenPath: String
    /// `scope` of the token request; DT says "always `openid email roles`".
    package var scope: String
    /// Root of the App Management API.
    package var apiURL: String

    package init(
        clientID: String, clientSecret: SecretReference, packageName: String, fallbackURL: String,
        segmentIDs: [String], sendToSamsung: Bool, metadata: StoreMetadata, uploadEncoding: UploadEncoding = .multipart,
        tokenURL: String = "https://account.digitalturbine.com", tokenPath: String = "/api/auth/token",
        scope: String = "openid email roles",
        apiURL: String = "https://appmanagement.gcp-us-east1.gcp-prod.digitalturbine.io"
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.packageName = packageName
        self.fallbackURL = fallbackURL
        self.segmentIDs = segmentIDs
        self.sendToSamsung = sendToSamsung
        self.metadata = metadata
        self.uploadEncoding = uploadEncoding
        self.tokenURL = tokenURL
        self.tokenPath = tokenPath
        self.scope = scope
        self.apiURL = apiURL
    }

    package var explanation: String {
        var text = "upload \(packageName) to Digital Turbine Ignite (\(segmentIDs.count) segment"
            + (segmentIDs.count == 1 ? "" : "s") + ")"
        text += sendToSamsung ? ", verified by Samsung" : ""
        return text + ", then wait for DT's approval"
    }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        [("client_secret", clientSecret)]
    }
}
