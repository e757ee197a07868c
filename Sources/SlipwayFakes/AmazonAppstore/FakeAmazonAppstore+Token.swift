import Foundation
import Hummingbird
import NIOCore

/// `POST /auth/o2/token`: Login with Amazon's client-credentials grant.
extension FakeAmazonAppstore {
    nonisolated func handleToken(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let form = Self.parseForm(String(buffer: body))
        if case .status(let code, let message) = await takeFault(for: .token) {
            await recordTokenError("server_error")
            return FakeAmazonReply.json(code, ["error": "server_error", "error_description": message ?? "Internal error"])
                .response
        }
        guard form["grant_type"] == "client_credentials" else {
            await recordTokenError("unsupported_grant_type")
            return FakeAmazonReply.json(
                400, ["error": "unsupported_grant_type", "error_description": "The authorization grant type is not supported"]
            ).response
        }
        guard let clientID = form["client_id"], let secret = form["client_secret"],
            await credentialsMatch(clientID: clientID, clientSecret: secret)
        else {
            await recordTokenError("invalid_client")
            return FakeAmazonReply.json(
                401, ["error": "invalid_client", "error_description": "Client authentication failed"]
            ).response
        }
        guard form["scope"] == Self.scope else {
            await recordTokenError("invalid_scope")
            return FakeAmazonReply.json(
                400, ["error": "invalid_scope", "error_description": "An unknown scope was requested"]
            ).response
        }
        let issued = await issueToken()
        return FakeAmazonReply.json(
            200,
            [
                "access_token": issued.token, "scope": Self.scope, "token_type": "bearer",
                "expires_in": issued.expiresIn,
            ] as [String: Any]
        ).response
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
}
