/// Amazon Appstore App Submission API: the Edit lifecycle.
///
/// Placeholder until the store's client lands: the loader refuses this type with a clear message.
package struct AmazonAppstoreSettings: Sendable, Equatable, StoreSettingsDescription {
    package var clientSecret: SecretReference

    package init(clientSecret: SecretReference) {
        self.clientSecret = clientSecret
    }

    package var explanation: String { "not available yet" }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        [("client_secret", clientSecret)]
    }
}
