package import SlipwayCore

/// Why the server (or `slipway deliver`) could not start. Says which config field and what to do;
/// never shows a secret's value.
package enum StartupError: Error, CustomStringConvertible {
    case secret(field: String, reference: SecretReference, reason: SecretResolutionError)
    case store(name: String, reason: String)
    case templates(String)
    case database(String)
    case notification(String)
    case githubApp(String)

    package var description: String {
        switch self {
        case .secret(let field, let reference, let reason):
            "\(field) (\(reference)): \(reason)"
        case .store(let name, let reason):
            "store \"\(name)\": \(reason)"
        case .templates(let reason):
            "templates: \(reason)"
        case .database(let reason):
            "database: \(reason)"
        case .notification(let reason):
            "notifications: \(reason)"
        case .githubApp(let reason):
            reason
        }
    }
}
