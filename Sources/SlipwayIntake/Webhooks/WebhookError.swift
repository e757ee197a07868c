/// Why a webhook was refused. The HTTP layer maps `unauthorized` to 401 and `malformed` to 400;
/// the message goes into the response and the log, and never contains the secret or the signature.
package enum WebhookError: Error, Equatable, CustomStringConvertible {
    /// The caller could not prove it holds the shared secret.
    case unauthorized(String)
    /// The body or headers are not what the provider sends.
    case malformed(String)

    package var description: String {
        switch self {
        case .unauthorized(let reason): reason
        case .malformed(let reason): reason
        }
    }
}
