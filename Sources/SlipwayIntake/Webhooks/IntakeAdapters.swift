import Foundation
package import SlipwayCore

/// Builds the webhook adapter of every CI source the config declares, with its secrets resolved.
package enum IntakeAdapters {
    /// - Parameter resolve: reads a secret reference, naming the config field in its error.
    package static func make(
        _ sources: SourceSettings, resolve: (SecretReference, String) throws -> Secret
    ) throws -> [BuildEvent.Provider: any WebhookAdapter] {
        var adapters: [BuildEvent.Provider: any WebhookAdapter] = [:]
        if let github = sources.github {
            adapters[.github] = GitHubWorkflowRunAdapter(secret: try resolve(github.webhookSecret, "sources.github.webhook_secret"))
        }
        if let generic = sources.generic {
            adapters[.generic] = GenericWebhookAdapter(
                secret: try resolve(generic.secret, "sources.generic.secret"),
                tolerance: TimeInterval(generic.toleranceSeconds), allowedArtifactHosts: generic.allowedArtifactHosts)
        }
        if let gitlab = sources.gitlab {
            adapters[.gitlab] = GitLabPipelineAdapter(
                webhookToken: try resolve(gitlab.webhookToken, "sources.gitlab.webhook_token"),
                signingToken: try gitlab.signingToken.map { try resolve($0, "sources.gitlab.signing_token") },
                tolerance: TimeInterval(gitlab.toleranceSeconds))
        }
        if let bitrise = sources.bitrise {
            adapters[.bitrise] = BitriseBuildAdapter(
                secret: try resolve(bitrise.webhookSecret, "sources.bitrise.webhook_secret"), appURL: bitrise.appURL,
                apps: bitrise.apps)
        }
        if let buildkite = sources.buildkite {
            adapters[.buildkite] = BuildkiteBuildAdapter(
                token: try resolve(buildkite.webhookToken, "sources.buildkite.webhook_token"),
                tolerance: TimeInterval(buildkite.toleranceSeconds))
        }
        if let circleci = sources.circleci {
            adapters[.circleci] = CircleCIWorkflowAdapter(secret: try resolve(circleci.webhookSecret, "sources.circleci.webhook_secret"))
        }
        return adapters
    }
}
