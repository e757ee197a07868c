import Foundation
package import _CryptoExtras
import Crypto

/// A JSON Web Token signed RSASSA-PKCS1-v1_5 with SHA-256 (`alg: RS256`), each part base64url
/// without padding: what Google's service-account grant and GitHub App authentication both ask for.
package enum RS256JWT {
    package static func sign<Header: Encodable, Claims: Encodable>(
        header: Header, claims: Claims, key: _RSA.Signing.PrivateKey
    ) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput = Base64URL.encode(try encoder.encode(header)) + "." + Base64URL.encode(try encoder.encode(claims))
        let signature = try key.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
