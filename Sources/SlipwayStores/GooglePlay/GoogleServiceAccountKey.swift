import Foundation
package import SlipwayCore
import _CryptoExtras

/// A Google Cloud service account's JSON key, parsed and checked: the identity (`client_email`),
/// the RSA signing key, and where to trade a signed JWT for an access token (`token_uri`).
///
/// Parsing never puts the key, or any part of the file, in an error: a key in a log is a leaked key.
package struct GoogleServiceAccountKey: Sendable {
    package let clientEmail: String
    package let privateKeyID: String
    /// `token_uri` from the file, normally `https://oauth2.googleapis.com/token`.
    package let tokenURI: String
    let privateKey: _RSA.Signing.PrivateKey

    /// Parses the key file's text (the resolved secret).
    package init(json: Secret) throws(GoogleServiceAccountKeyError) {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(json.revealed.utf8)) as? [String: Any] else {
                throw GoogleServiceAccountKeyError.notJSONObject
            }
            object = parsed
        } catch {
            throw .notJSONObject
        }
        func field(_ name: String) throws(GoogleServiceAccountKeyError) -> String {
            guard let value = object[name] as? String, !value.isEmpty else { throw .missingField(name) }
            return value
        }
        guard let type = object["type"] as? String else { throw .missingField("type") }
        guard type == "service_account" else { throw .notServiceAccount(type: type) }
        clientEmail = try field("client_email")
        privateKeyID = try field("private_key_id")
        tokenURI = try field("token_uri")
        let pem = try field("private_key")
        do {
            privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw .unreadablePrivateKey
        }
    }
}

/// Why a service-account key file was refused. Names fields, never their values (except `type`,
/// which is not secret and tells the user which kind of file they downloaded).
package enum GoogleServiceAccountKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSONObject
    case notServiceAccount(type: String)
    case missingField(String)
    case unreadablePrivateKey

    package var description: String {
        switch self {
        case .notJSONObject:
            "the service account key is not a JSON object; download a JSON key (Google Cloud → IAM → Service accounts → Keys)"
        case .notServiceAccount(let type):
            "the key's type is \"\(type)\", not \"service_account\"; use a key of a service account, not a user or workload-identity credential"
        case .missingField(let name):
            "the service account key has no \"\(name)\" field; download a fresh JSON key"
        case .unreadablePrivateKey:
            "the service account key's private_key is not a PEM RSA private key (2048 bits or more); download a fresh JSON key"
        }
    }
}
