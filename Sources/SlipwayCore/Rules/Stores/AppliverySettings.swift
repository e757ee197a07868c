/// Applivery: upload a build, then the download-token → download-redirect link.
///
/// Placeholder until the store's client lands: the loader refuses this type with a clear message.
package struct AppliverySettings: Sendable, Equatable, StoreSettingsDescription {
    package var appToken: SecretReference

    package init(appToken: SecretReference) {
        self.appToken = appToken
    }

    package var explanation: String { "not available yet" }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        [("app_token", appToken)]
    }
}
