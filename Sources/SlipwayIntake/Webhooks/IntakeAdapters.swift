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
        return adapters
    }
}
