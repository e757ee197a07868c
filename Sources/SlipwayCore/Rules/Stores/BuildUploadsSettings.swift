/// Product Science build uploads: upload context → build metadata → PUT to the signed storage URL.
///
/// Placeholder until the store's client lands: the loader refuses this type with a clear message.
package struct BuildUploadsSettings: Sendable, Equatable, StoreSettingsDescription {
    package var token: SecretReference

    package init(token: SecretReference) {
        self.token = token
    }

    package var explanation: String { "not available yet" }

    package var secretReferences: [(field: String, reference: SecretReference)] {
        [("token", token)]
    }
}
