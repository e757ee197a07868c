import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore
import SlipwayHTTP

extension ProductScienceBuildUpload {
    /// Builds the uploader for a `build-uploads` store: resolves `token` and checks `api_url`.
    /// Throws `StoreConfigurationError` naming the field and the reference, never the secret.
    static func make(
        _ definition: StoreDefinition, settings: BuildUploadsSettings, environment: [String: String],
        baseDirectory: URL?, httpClient: HTTPClient, retryPolicy: RetryPolicy, network: PrivateNetworkPolicy,
        logger: Logger
    ) throws(StoreConfigurationError) -> ProductScienceBuildUpload {
        let token = try SecretAndURLChecks.resolve(
            settings.token, field: "token", store: definition.name, environment: environment,
            baseDirectory: baseDirectory)
        try SecretAndURLChecks.checkURL(settings.apiURL, field: "api_url", store: definition.name)
        logger.debug(
            "Product Science store ready", metadata: ["store": "\(definition.name)", "project": "\(settings.project)"])
        return ProductScienceBuildUpload(
            definition: definition, settings: settings, token: token, httpClient: httpClient, retryPolicy: retryPolicy,
            network: network)
    }
}
