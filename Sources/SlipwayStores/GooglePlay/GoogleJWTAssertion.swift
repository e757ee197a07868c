import Foundation
import SlipwayHTTP

/// The signed JWT a service account trades for an access token (Google's "JWT bearer" grant):
/// header `{"alg":"RS256","kid":…,"typ":"JWT"}`, claims `iss`, `scope`, `aud`, `iat`, `exp`,
/// signed RSASSA-PKCS1-v1_5 with SHA-256, each part base64url without padding.
enum GoogleJWTAssertion {
    /// Google refuses assertions that live longer than an hour.
    static let lifetime: TimeInterval = 3600

    private struct Header: Encodable {
        var alg = "RS256"
        var kid: String
        var typ = "JWT"
    }

    private struct Claims: Encodable {
        var iss: String
        var scope: String
        var aud: String
        var iat: Int
        var exp: Int
    }

    /// Builds and signs the assertion. `audience` is the token URL the assertion is posted to.
    static func make(
        key: GoogleServiceAccountKey, scope: String, audience: String, issuedAt: Date
    ) throws -> String {
        let iat = Int(issuedAt.timeIntervalSince1970)
        return try RS256JWT.sign(
            header: Header(kid: key.privateKeyID),
            claims: Claims(iss: key.clientEmail, scope: scope, aud: audience, iat: iat, exp: iat + Int(lifetime)),
            key: key.privateKey)
    }
}
