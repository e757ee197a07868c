/// A store a team uploads to, declared once under `stores:` and named by rules.
package struct StoreDefinition: Sendable, Equatable {
    package var name: String
    package var line: Int
    package var settings: StoreSettings

    package init(name: String, line: Int, settings: StoreSettings) {
        self.name = name
        self.line = line
        self.settings = settings
    }

    package var type: StoreType { settings.type }
}

/// The store types Slipway can deliver to.
package enum StoreType: String, Sendable, Codable, CaseIterable {
    case googlePlay = "google-play"
    case applivery
    case buildUploads = "build-uploads"
    case ignite
    case amazonAppstore = "amazon-appstore"

    /// What people call it in messages.
    package var displayName: String {
        switch self {
        case .googlePlay: "Google Play internal app sharing"
        case .applivery: "Applivery"
        case .buildUploads: "Product Science build uploads"
        case .ignite: "Digital Turbine Ignite"
        case .amazonAppstore: "Amazon Appstore"
        }
    }

    /// Artifact kinds the store accepts.
    package var acceptedKinds: Set<ArtifactKind> {
        switch self {
        case .googlePlay, .applivery: [.apk, .aab]
        case .buildUploads, .ignite, .amazonAppstore: [.apk]
        }
    }
}

/// Per-type settings of a store. Each type's settings live in `Stores/` with the loader that reads
/// them, so adding a store touches this enum and its own files only.
package enum StoreSettings: Sendable, Equatable {
    case googlePlay(GooglePlaySettings)
    case applivery(AppliverySettings)
    case buildUploads(BuildUploadsSettings)
    case ignite(IgniteSettings)
    case amazonAppstore(AmazonAppstoreSettings)

    package var type: StoreType {
        switch self {
        case .googlePlay: .googlePlay
        case .applivery: .applivery
        case .buildUploads: .buildUploads
        case .ignite: .ignite
        case .amazonAppstore: .amazonAppstore
        }
    }

    /// The settings behind the case, for what every store type answers the same way.
    package var described: any StoreSettingsDescription {
        switch self {
        case .googlePlay(let settings): settings
        case .applivery(let settings): settings
        case .buildUploads(let settings): settings
        case .ignite(let settings): settings
        case .amazonAppstore(let settings): settings
        }
    }
}

/// What `slipway explain` and `slipway validate --check-secrets` ask of any store's settings.
package protocol StoreSettingsDescription: Sendable {
    /// One line for `explain`: what this store does with an artifact ("uploadapk to com.acme.app").
    var explanation: String { get }
    /// Every secret reference with its config field name (`service_account`).
    var secretReferences: [(field: String, reference: SecretReference)] { get }
}

/// Google Play internal app sharing (`uploadapk` / `uploadbundle`).
package struct GooglePlaySettings: Sendable, Equatable, StoreSettingsDescription {
    /// The app's package name; the app must already exist in the Play Console.
    package var packageName: String
    /// The service-account JSON key (`file:/etc/slipway/play.json` or `${PLAY_SERVICE_ACCOUNT_JSON}`).
    package var serviceAccount: SecretReference
    /// Root of the Android Publisher API.
    package var apiURL: String
    /// Overrides the key file's `token_uri` (for a proxy or a test fake).
    package var tokenURL: String?
    /// Files at or above this size use the resumable protocol; smaller ones one media request.
    package var resumableThresholdBytes: Int64
    /// Chunk size for resumable uploads; a multiple of 256 KiB as Google requires.
    package var chunkBytes: Int

    package init(
        packageName: String, serviceAccount: SecretReference, apiURL: String = "https://androidpublisher.googleapis.com",
        tokenURL: String? = nil, resumableThresholdBytes: Int64 = 16 * 1024 * 1024, chunkBytes: Int = 8 * 1024 * 1024
    ) {
        self.packageName = packageName
        self.serviceAccount = serviceAccount
        self.apiURL = apiURL
        self.tokenURL = tokenURL
        self.resumableThresholdBytes = resumableThresholdBytes
        self.chunkBytes = chunkBytes
    }

    package var explanation: String {
        "package \(packageName) (uploadapk for .apk, uploadbundle for .aab)"
    }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        [("service_account", serviceAccount)]
    }
}

/// Where results are reported, declared under `notifications:` and named by rules' `notify:`.
package struct NotificationDefinition: Sendable, Equatable {
    package var name: String
    package var line: Int
    package var settings: NotificationSettings

    package init(name: String, line: Int, settings: NotificationSettings) {
        self.name = name
        self.line = line
        self.settings = settings
    }

    package var type: NotificationType { settings.type }
}

package enum NotificationType: String, Sendable, Codable, CaseIterable {
    case github, gitlab, slack, teams, discord
}

package enum NotificationSettings: Sendable, Equatable {
    /// Commit statuses (one context per store) and one sticky PR comment per build.
    case github(GitHubNotificationSettings)
    /// Commit statuses (one name per store) and one sticky MR note per build.
    case gitlab(GitLabNotificationSettings)
    /// One Slack message per build: updated in place with a bot token, posted per final change with a webhook.
    case slack(SlackNotificationSettings)
    /// An Adaptive Card per final state change (Workflows messages cannot be edited).
    case teams(TeamsNotificationSettings)
    /// One Discord webhook message per build, edited in place.
    case discord(DiscordNotificationSettings)

    package var type: NotificationType {
        switch self {
        case .github: .github
        case .gitlab: .gitlab
        case .slack: .slack
        case .teams: .teams
        case .discord: .discord
        }
    }
}

package struct GitHubNotificationSettings: Sendable, Equatable {
    package var commitStatus: Bool = true
    package var pullRequestComment: Bool = true
    /// Prefix of status contexts: `slipway/<store>`.
    package var statusContext: String = "slipway"
    /// Template file (under the templates folder) for the PR comment.
    package var commentTemplate: String = "github-pr-comment"

    package init() {}
}
