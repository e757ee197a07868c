/// Applivery: upload a build through the Integrations API, then turn it into a download redirect
/// link through the download-token endpoint.
///
/// Every option is per store: a team that wants two behaviours (say, QA groups and beta groups,
/// or `aab` and `file` links) declares two stores.
package struct AppliverySettings: Sendable, Equatable, StoreSettingsDescription {
    /// Which file the download link hands out (Applivery's `type` parameter of the token call).
    package enum DownloadType: String, Sendable, Equatable, CaseIterable {
        /// Applivery picks the installable file for the device.
        case auto
        /// The uploaded file itself (on Apple: the manifest).
        case file
        /// The app bundle as uploaded, for builds uploaded as `.aab`.
        case aab
    }

    /// Placeholders `version_name` may use; filled from the build event.
    package static let versionNamePlaceholders = ["branch", "tag", "sha", "short_sha", "build_number"]

    /// The per-app "App API Token" (app Settings → Integrations): uploads the build.
    package var appToken: SecretReference
    /// A Workspace API (service account) token for the download-token call. Applivery's current
    /// docs say that call is Workspace-API only; the older page accepts the app token, which is
    /// used when this is not set.
    package var workspaceToken: SecretReference?
    /// The organization's slug (or id): the download-token path needs it.
    package var organization: String
    /// The application's id; when absent, the `application` the upload answer names is used.
    package var appID: String?
    package var downloadType: DownloadType
    /// `versionName` sent with the build; may hold `{branch}`, `{tag}`, `{sha}`, `{short_sha}`,
    /// `{build_number}`. Absent: Applivery names the version from the package.
    package var versionName: String?
    /// Sent comma-separated, as Applivery expects.
    package var tags: [String]
    /// Who is notified and may download: OR of AND-groups (`[["qa","android"],["beta"]]`).
    package var filter: [[String]]
    package var notifyCollaborators: Bool?
    package var notifyEmployees: Bool?
    package var notifyMessage: String?
    /// Whether Slipway opens the download link once (without downloading the file) to be sure it
    /// works, fetching a fresh token when Applivery answers "Token Expired".
    package var checkDownloadLink: Bool
    /// Upload host (`https://upload.<tenant>.applivery.io` for a private tenant).
    package var uploadURL: String
    /// API host: build details and the download-token call.
    package var apiURL: String
    /// Download host that answers the link with a redirect to the file.
    package var downloadURL: String

    package init(
        appToken: SecretReference, workspaceToken: SecretReference? = nil, organization: String, appID: String? = nil,
        downloadType: DownloadType = .auto, versionName: String? = nil, tags: [String] = [], filter: [[String]] = [],
        notifyCollaborators: Bool? = nil, notifyEmployees: Bool? = nil, notifyMessage: String? = nil,
        checkDownloadLink: Bool = true, uploadURL: String = "https://upload.applivery.io",
        apiURL: String = "https://api.applivery.io", downloadURL: String = "https://download-api.applivery.io"
    ) {
        self.appToken = appToken
        self.workspaceToken = workspaceToken
        self.organization = organization
        self.appID = appID
        self.downloadType = downloadType
        self.versionName = versionName
        self.tags = tags
        self.filter = filter
        self.notifyCollaborators = notifyCollaborators
        self.notifyEmployees = notifyEmployees
        self.notifyMessage = notifyMessage
        self.checkDownloadLink = checkDownloadLink
        self.uploadURL = uploadURL
        self.apiURL = apiURL
        self.downloadURL = downloadURL
    }

    package var explanation: String {
        var text = "upload to Applivery (organization \(organization)), then a \(downloadType.rawValue) download link"
        if !tags.isEmpty { text += "; tags \(tags.joined(separator: ", "))" }
        if !filter.isEmpty {
            text += "; groups " + filter.map { $0.joined(separator: " and ") }.joined(separator: " or ")
        }
        return text
    }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        var references: [(field: String, reference: SecretReference)] = [("app_token", appToken)]
        if let workspaceToken { references.append(("workspace_token", workspaceToken)) }
        return references
    }
}
