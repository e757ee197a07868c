import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import _CryptoExtras

/// The OAuth token endpoint: Google's JWT-bearer grant, checked the way Google checks it.
extension FakeGooglePlay {
    private struct JWTHeader: Decodable {
        var alg: String
        var typ: String?
        var kid: String?
    }

    private struct JWTClaims: Decodable {
        var iss: String
        var scope: String?
        var aud: String
        var iat: Int
        var exp: Int
    }

    private struct TokenResponse: Encodable {
        var access_token: String
        var expires_in: Int
        var token_type = "Bearer"
    }

    nonisolated func handleToken(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        if let fault = await nextTokenFault() {
            switch fault {
            case .status(let code, let error, let description):
                await recordTokenError(error)
                return FakeGoogleResponses.oauthError(code, error: error, description: description)
            }
        }
        let form = Self.parseForm(String(buffer: body))
        let outcome = await check(form: form, authority: request.head.authority)
        switch outcome {
        case .success(let token, let expiresIn):
            return FakeGoogleResponses.json(.ok, TokenResponse(access_token: token, expires_in: expiresIn))
        case .failure(let error, let description):
            await recordTokenError(error)
            return FakeGoogleResponses.oauthError(400, error: error, description: description)
        }
    }

    private enum TokenOutcome {
        case success(String, Int)
        case failure(String, String)
    }

    private func check(form: [String: String], authority: String?) -> TokenOutcome {
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" else {
            return .failure("unsupported_grant_type", "Invalid grant_type: \(form["grant_type"] ?? "")")
        }
        guard let assertion = form["assertion"] else {
            return .failure("invalid_request", "Missing required parameter: assertion")
        }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]),
            let claimsData = Self.base64URLDecode(parts[1]), let signature = Self.base64URLDecode(parts[2]),
            let header = try? JSONDecoder().decode(JWTHeader.self, from: headerData),
            let claims = try? JSONDecoder().decode(JWTClaims.self, from: claimsData)
        else {
            return .failure("invalid_grant", "Invalid JWT: malformed assertion.")
        }
        guard header.alg == "RS256" else {
            return .failure("invalid_grant", "Invalid JWT: unsupported signing algorithm \(header.alg).")
        }
        guard let publicKey = publicKey(of: claims.iss) else {
            return .failure("invalid_grant", "Invalid grant: account not found")
        }
        let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        guard
            publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: signingInput),
                padding: .insecurePKCS1v1_5)
        else {
            return .failure("invalid_grant", "Invalid JWT Signature.")
        }
        if let authority {
            let expected = ["http://\(authority)/token", "https://\(authority)/token"]
            guard expected.contains(claims.aud) else {
                return .failure("invalid_grant", "Invalid JWT: Failed audience check.")
            }
        }
        let scopes = (claims.scope ?? "").split(separator: " ").map(String.init)
        guard scopes.contains(Self.scope) else {
            return .failure("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        }
        let now = Int(Date().timeIntervalSince1970)
        guard claims.exp - claims.iat <= 3600, claims.exp > claims.iat, claims.iat <= now + 60, claims.exp > now else {
            return .failure(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            )
        }
        let issued = issueToken()
        return .success(issued.token, issued.expiresIn)
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
