/// Digital Turbine Ignite: client-credentials token, APK upload with store metadata, status polling.
///
/// Placeholder until the store's client lands: the loader refuses this type with a clear message.
package struct IgniteSettings: Sendable, Equatable, StoreSettingsDescription {
    package var clientSecret: SecretReference

    package init(clientSecret: SecretReference) {
        self.clientSecret = clientSecret
    }

    package var explanation: String { "not available yet" }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        [("client_secret", clientSecret)]
    }
}
