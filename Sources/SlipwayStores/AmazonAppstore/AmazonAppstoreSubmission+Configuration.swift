package import AsyncHTTPClient
package import Foundation
package import Logging
package import SlipwayCore

extension AmazonAppstoreSubmission {
    /// Builds the uploader for an `amazon-appstore` store: resolves the client id and secret, checks
    /// the URLs, and anchors relative image paths at `baseDirectory`, so a broken store is reported
    /// at startup rather than when a build arrives.
    package static func make(
        _ definition: StoreDefinition, settings: AmazonAppstoreSettings, environment: [String: String],
        baseDirectory: URL?, httpClient: HTTPClient, retryPolicy: RetryPolicy, logger: Logger
    ) throws(StoreConfigurationError) -> AmazonAppstoreSubmission {
        var resolved: [Secret] = []
        for (field, reference) in [("client_id", settings.clientID), ("client_secret", settings.clientSecret)] {
            do {
                resolved.append(try reference.resolve(environment: environment, baseDirectory: baseDirectory))
            } catch {
                throw .secretUnavailable(store: definition.name, field: field, reference: reference, reason: error)
            }
        }
        for (field, value) in [("api_url", settings.apiURL), ("token_url", settings.tokenURL)] {
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
                scheme == "https" || scheme == "http", url.host != nil
            else {
                throw .invalidURL(store: definition.name, field: field, value: Redaction.withoutQuery(value))
            }
        }
        var settings = settings
        settings.images = settings.images.map { image in
            var image = image
            if !image.file.hasPrefix("/"), let baseDirectory {
                image.file = baseDirectory.appendingPathComponent(image.file).path
            }
            return image
        }
        logger.debug("Amazon Appstore store ready", metadata: ["store": "\(definition.name)", "app": "\(settings.appID)"])
        return AmazonAppstoreSubmission(
            definition: definition, settings: settings, clientID: resolved[0], clientSecret: resolved[1],
            httpClient: httpClient, retryPolicy: retryPolicy)
    }
}
