import AsyncHTTPClient
import Foundation
import Logging
import SlipwayCore

extension AppliveryDistribution {
    /// Builds the uploader for an `applivery` store: resolves `app_token` (and `workspace_token`),
    /// and checks the three hosts are http(s) URLs. Throws `StoreConfigurationError` naming the
    /// field and the reference, never the secret.
    static func make(
        _ definition: StoreDefinition, settings: AppliverySettings, environment: [String: String], baseDirectory: URL?,
        httpClient: HTTPClient, retryPolicy: RetryPolicy, logger: Logger
    ) throws(StoreConfigurationError) -> AppliveryDistribution {
        let appToken = try SecretAndURLChecks.resolve(
            settings.appToken, field: "app_token", store: definition.name, environment: environment,
            baseDirectory: baseDirectory)
        let workspaceToken = try settings.workspaceToken.map { (reference) throws(StoreConfigurationError) in
            try SecretAndURLChecks.resolve(
                reference, field: "workspace_token", store: definition.name, environment: environment,
                baseDirectory: baseDirectory)
        }
        for (field, value) in [
            ("upload_url", settings.uploadURL), ("api_url", settings.apiURL), ("download_url", settings.downloadURL),
        ] {
            try SecretAndURLChecks.checkURL(value, field: field, store: definition.name)
        }
        logger.debug(
            "Applivery store ready",
            metadata: ["store": "\(definition.name)", "organization": "\(settings.organization)"])
        return AppliveryDistribution(
            definition: definition, settings: settings, appToken: appToken, workspaceToken: workspaceToken,
            httpClient: httpClient, retryPolicy: retryPolicy)
    }
}

/// What every store's factory checks: secrets that resolve, URLs that are http(s).
enum SecretAndURLChecks {
    static func resolve(
        _ reference: SecretReference, field: String, store: String, environment: [String: String], baseDirectory: URL?
    ) throws(StoreConfigurationError) -> Secret {
        do {
            return try reference.resolve(environment: environment, baseDirectory: baseDirectory)
        } catch {
            throw .secretUnavailable(store: store, field: field, reference: reference, reason: error)
        }
    }

    static func checkURL(_ value: String, field: String, store: String) throws(StoreConfigurationError) {
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            url.host != nil
        else {
            throw .invalidURL(store: store, field: field, value: Redaction.withoutQuery(value))
        }
    }
}
