import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore

extension IgniteAppManagement {
    /// Builds the uploader for an `ignite` store: resolves `client_secret` and checks that the
    /// token and API hosts are http(s) URLs. Throws `StoreConfigurationError` naming the field and
    /// the reference, never the secret.
    static func make(
        _ definition: StoreDefinition, settings: IgniteSettings, environment: [String: String], baseDirectory: URL?,
        httpClient: HTTPClient, retryPolicy: RetryPolicy, logger: Logger
    ) throws(StoreConfigurationError) -> IgniteAppManagement {
        let secret: Secret
        do {
            secret = try settings.clientSecret.resolve(environment: environment, baseDirectory: baseDirectory)
        } catch {
            throw .secretUnavailable(
                store: definition.name, field: "client_secret", reference: settings.clientSecret, reason: error)
        }
        for (field, value) in [
            ("token_url", join(settings.tokenURL, settings.tokenPath)), ("api_url", settings.apiURL),
        ] {
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
                scheme == "https" || scheme == "http", url.host != nil
            else {
                throw .invalidURL(store: definition.name, field: field, value: Redaction.withoutQuery(value))
            }
        }
        logger.debug(
            "Ignite store ready",
            metadata: ["store": "\(definition.name)", "package": "\(settings.packageName)", "client": "\(settings.clientID)"])
        return IgniteAppManagement(
            definition: definition, settings: settings, clientSecret: secret, httpClient: httpClient,
            retryPolicy: retryPolicy)
    }
}
