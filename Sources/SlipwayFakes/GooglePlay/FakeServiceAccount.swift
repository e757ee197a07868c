package import Foundation
package import _CryptoExtras

/// A throwaway Google service account for tests and `slipway demo`: a fresh 2048-bit RSA key and
/// the JSON key file a real account would download, with `token_uri` pointing at a fake.
///
/// Register it with `FakeGooglePlay.register(_:)` so the fake's token endpoint trusts its public
/// half. Two instances with the same email but different keys model a rotated or deleted key.
package struct FakeServiceAccount: Sendable {
    package let email: String
    package let privateKeyID: String
    package let projectID: String
    let privateKey: _RSA.Signing.PrivateKey

    /// Generates a new key pair (takes a moment: reuse one account across tests where you can).
    package init(email: String = "slipway-uploader@slipway-fake.iam.gserviceaccount.com") throws {
        self.email = email
        self.privateKeyID = FakeOpaque.hex(bytes: 20)
        self.projectID = email.split(separator: "@").last?.split(separator: ".").first.map(String.init) ?? "fake"
        self.privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    /// The public half, which the fake's token endpoint verifies assertions with.
    package var publicKey: _RSA.Signing.PublicKey { privateKey.publicKey }

    /// The key file's JSON, shaped like the one Google Cloud hands out.
    package func keyJSON(tokenURI: String) -> String {
        let object: [String: String] = [
            "type": "service_account",
            "project_id": projectID,
            "private_key_id": privateKeyID,
            "private_key": privateKey.pkcs8PEMRepresentation,
            "client_email": email,
            "client_id": "1\(FakeOpaque.digits(20))",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": tokenURI,
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(object)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes the key file to `url` (owner-readable only) and returns `url`.
    @discardableResult
    package func writeKeyFile(tokenURI: String, to url: URL) throws -> URL {
        try Data(keyJSON(tokenURI: tokenURI).utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        return url
    }
}
