package import AsyncHTTPClient
package import Foundation
package import Logging
package import SlipwayCore
package import SlipwayHTTP

/// Builds the uploader for a configured store: resolves its secrets, checks them, and picks the
/// client for its type. Called once per store at startup (and by `slipway deliver`), so a missing
/// or broken key is reported before any webhook arrives.
package enum StoreUploaders {
    /// - Parameters:
    ///   - environment: where `${NAME}` references are looked up.
    ///   - baseDirectory: anchors relative `file:` references (the config file's folder).
    ///   - httpClient: the owner's long-lived client, shared by every store; never shut down here.
    ///   - retryPolicy: in-call retries of 408/409/429/5xx and connection errors.
    /// - Throws: `StoreConfigurationError`, naming the store and the reference, never the secret.
    package static func make(
        _ definition: StoreDefinition, environment: [String: String], baseDirectory: URL?, httpClient: HTTPClient,
        retryPolicy: RetryPolicy = .default, network: PrivateNetworkPolicy = .strict, logger: Logger
    ) throws -> any StoreUploader {
        switch definition.settings {
        case .googlePlay(let settings):
            let secret: Secret
            do {
                secret = try settings.serviceAccount.resolve(environment: environment, baseDirectory: baseDirectory)
            } catch {
                throw StoreConfigurationError.secretUnavailable(
                    store: definition.name, field: "service_account", reference: settings.serviceAccount, reason: error)
            }
            let key: GoogleServiceAccountKey
            do {
                key = try GoogleServiceAccountKey(json: secret)
            } catch {
                throw StoreConfigurationError.invalidServiceAccountKey(
                    store: definition.name, reference: settings.serviceAccount, reason: error)
            }
            for (field, value) in [("api_url", settings.apiURL), ("token_url", settings.tokenURL ?? key.tokenURI)] {
                guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
                    scheme == "https" || scheme == "http", url.host != nil
                else {
                    throw StoreConfigurationError.invalidURL(
                        store: definition.name, field: field, value: Redaction.withoutQuery(value))
                }
            }
            logger.debug(
                "Google Play store ready",
                metadata: ["store": "\(definition.name)", "serviceAccount": "\(key.clientEmail)"])
            return GooglePlayInternalSharing(
                definition: definition, settings: settings, key: key, httpClient: httpClient, retryPolicy: retryPolicy,
                network: network)
        case .applivery(let settings):
            return try AppliveryDistribution.make(
                definition, settings: settings, environment: environment, baseDirectory: baseDirectory,
                httpClient: httpClient, retryPolicy: retryPolicy, logger: logger)
        case .buildUploads(let settings):
            return try ProductScienceBuildUpload.make(
                definition, settings: settings, environment: environment, baseDirectory: baseDirectory,
                httpClient: httpClient, retryPolicy: retryPolicy, network: network, logger: logger)
        case .ignite(let settings):
            return try IgniteAppManagement.make(
                definition, settings: settings, environment: environment, baseDirectory: baseDirectory,
                httpClient: httpClient, retryPolicy: retryPolicy, logger: logger)
        case .amazonAppstore(let settings):
            return try AmazonAppstoreSubmission.make(
                definition, settings: settings, environment: environment, baseDirectory: baseDirectory,
                httpClient: httpClient, retryPolicy: retryPolicy, logger: logger)
        }
    }
}

/// A store whose configuration cannot work. Says which store, which field and which reference,
/// and never the secret's value.
package enum StoreConfigurationError: Error, Sendable, CustomStringConvertible {
    case secretUnavailable(store: String, field: String, reference: SecretReference, reason: SecretResolutionError)
    case invalidServiceAccountKey(store: String, reference: SecretReference, reason: GoogleServiceAccountKeyError)
    case invalidURL(store: String, field: String, value: String)
    case unsupportedType(store: String, type: StoreType)

    package var description: String {
        switch self {
        case .secretUnavailable(let store, let field, let reference, let reason):
            "store \"\(store)\": \(field) \(reference) cannot be read: \(reason)"
        case .invalidServiceAccountKey(let store, let reference, let reason):
            "store \"\(store)\": the service account key \(reference) is not usable: \(reason)"
        case .invalidURL(let store, let field, let value):
            "store \"\(store)\": \(field) \"\(value)\" is not an http(s) URL"
        case .unsupportedType(let store, let type):
            "store \"\(store)\": \(type.displayName) uploads are not available in this version of Slipway"
        }
    }
}
