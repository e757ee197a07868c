/// Every key the config file may hold, by section. The loader reads each section with its list here
/// (an unknown key is an error that names the allowed ones), and a test checks that README's key
/// index lists every one, so the two cannot drift apart.
package enum ConfigKeys {
    package static let topLevel = ["version", "server", "sources", "stores", "notifications", "rules", "repo_rules"]
    package static let repositoryRulesPolicy = ["repos", "path", "allow", "stores"]
    /// What a repository's own rules file may hold.
    package static let repositoryFile = ["version", "rules"]
    package static let server = [
        "host", "port", "public_url", "database", "data_dir", "max_webhook_bytes", "workers", "templates", "access",
        "dashboard", "admin_listen", "outbound", "trusted_proxies", "polling", "retry",
        "reconcile", "shutdown_grace_seconds", "retention_days",
    ]
    package static let polling = ["first_delay_seconds", "max_delay_seconds", "max_rounds"]
    package static let retry = ["max_attempts", "first_delay_seconds", "max_delay_seconds"]
    package static let reconcile = ["interval_seconds", "lookback_hours", "grace_seconds"]
    package static let access = ["api_tokens", "session_key", "session_hours", "github"]
    package static let gitHubSignIn = [
        "client_id", "client_secret", "web_url", "api_url", "allowed_users", "allowed_orgs", "allowed_teams",
    ]
    package static let dashboard = ["public"]
    package static let outbound = ["allow_private_networks"]

    package static let sources = ["github", "generic", "gitlab", "bitrise", "buildkite", "circleci"]
    package static let github = ["webhook_secret", "token", "app", "api_url", "login"]
    package static let githubApp = ["app_id", "private_key", "installation_id"]
    package static let generic = ["secret", "tolerance_seconds", "allowed_artifact_hosts"]
    package static let gitlab = ["webhook_token", "signing_token", "token", "api_url", "tolerance_seconds"]
    package static let bitrise = ["webhook_secret", "token", "api_url", "app_url", "apps"]
    package static let buildkite = ["webhook_token", "token", "api_url", "tolerance_seconds"]
    package static let circleci = ["webhook_secret", "token", "api_url", "artifact_hosts", "projects"]

    package static let googlePlay = [
        "type", "package_name", "service_account", "api_url", "token_url", "resumable_threshold_bytes", "chunk_bytes",
    ]
    package static let applivery = [
        "type", "app_token", "workspace_token", "organization", "app_id", "download_type", "version_name", "tags",
        "filter", "notify_collaborators", "notify_employees", "notify_message", "check_download_link", "upload_url",
        "api_url", "download_url",
    ]
    package static let buildUploads = ["type", "token", "project", "build_type", "api_url", "size_range_header"]
    package static let ignite = [
        "type", "client_id", "client_secret", "package_name", "fallback_url", "segments", "send_to_samsung",
        "store_metadata", "upload_encoding", "token_url", "token_path", "scope", "api_url",
    ]
    package static let igniteMetadata = [
        "category", "short_description", "icon_url", "developer", "email", "website_url", "market_url",
        "privacy_policy_url", "permissions",
    ]
    package static let ignitePermission = ["category", "description"]
    package static let amazonAppstore = [
        "type", "app_id", "client_id", "client_secret", "api_url", "token_url", "apk_mode", "replace_apk_id",
        "large_file_threshold_bytes", "large_upload_encoding", "release_notes", "listings", "images", "availability",
        "validate", "commit", "keep_edit_on_failure",
    ]
    package static let amazonListing = ["recent_changes", "title", "short_description", "full_description"]
    package static let amazonImage = ["language", "type", "file", "replace_existing"]
    package static let amazonAvailability = ["date_time", "zone_id"]

    package static let githubNotification = ["type", "commit_status", "pr_comment", "status_context", "template"]
    package static let gitlabNotification = [
        "type", "token", "api_url", "project", "commit_status", "mr_note", "status_name", "template",
    ]
    package static let slackNotification = ["type", "webhook_url", "token", "channel", "api_url", "template"]
    package static let teamsNotification = ["type", "webhook_url", "payload", "template"]
    package static let discordNotification = ["type", "webhook_url", "username", "template"]

    /// The store options a rule may set for its own builds (`stores: [{NAME: {KEY: VALUE}}]`):
    /// what a build varies in. Credentials, ids and URLs stay on the store.
    package static let perRule: [StoreType: [String]] = [
        .googlePlay: [],
        .applivery: [
            "tags", "filter", "version_name", "download_type", "notify_collaborators", "notify_employees", "notify_message",
            "check_download_link",
        ],
        .buildUploads: ["build_type"],
        .ignite: ["fallback_url", "segments", "send_to_samsung", "store_metadata"],
        .amazonAppstore: [
            "apk_mode", "release_notes", "listings", "images", "availability", "validate", "commit", "keep_edit_on_failure",
        ],
    ]

    package static let rule = [
        "name", "repo", "repos", "branches", "tags", "events", "conclusion", "artifact", "artifact_kind", "stores",
        "notify",
    ]

    /// Every section with its keys, in the order README's key index lists them.
    package static let all: [(section: String, keys: [String])] = [
        ("top level", topLevel), ("server", server), ("server.access", access), ("server.access.github", gitHubSignIn),
        ("server.dashboard", dashboard), ("server.outbound", outbound), ("server.polling", polling), ("server.retry", retry), ("server.reconcile", reconcile),
        ("sources", sources),
        ("sources.github", github), ("sources.github.app", githubApp), ("sources.generic", generic), ("sources.gitlab", gitlab), ("sources.bitrise", bitrise),
        ("sources.buildkite", buildkite), ("sources.circleci", circleci), ("stores (google-play)", googlePlay),
        ("stores (applivery)", applivery), ("stores (build-uploads)", buildUploads), ("stores (ignite)", ignite),
        ("ignite store_metadata", igniteMetadata), ("ignite store_metadata.permissions.NAME", ignitePermission),
        ("stores (amazon-appstore)", amazonAppstore), ("amazon-appstore listings.LANGUAGE", amazonListing),
        ("amazon-appstore images[]", amazonImage), ("amazon-appstore availability", amazonAvailability),
        ("notifications (github)", githubNotification), ("notifications (gitlab)", gitlabNotification),
        ("notifications (slack)", slackNotification), ("notifications (teams)", teamsNotification),
        ("notifications (discord)", discordNotification), ("rules[]", rule),
        ("repo_rules[]", repositoryRulesPolicy), ("repository rules file (.slipway.yml)", repositoryFile),
    ]
}
