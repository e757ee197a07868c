import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /account/api/auth/token`: JSON client credentials, checked as DT documents them.
extension FakeIgnite {
    nonisolated func handleToken(_ request: Request) async throws -> Response {
        if let response = try await faultResponse(request, .token) { return response }
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true,
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else {
            await log(.token, request, status: 400)
            return Self.json(["error": "invalid_request", "error_description": "Expected a JSON body"], status: 400)
        }
        guard object["grant_type"] as? String == "client_credentials" else {
            await log(.token, request, status: 400)
            return Self.json(["error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"], status: 400)
        }
        guard object["scope"] as? String == Self.scope else {
            await log(.token, request, status: 400)
            return Self.json(["error": "invalid_scope", "error_description": "scope must be \(Self.scope)"], status: 400)
        }
        guard object["client_id"] as? String == clientID, object["client_secret"] as? String == clientSecret else {
            await log(.token, request, status: 401)
            return Self.json(["error": "invalid_client", "error_description": "Invalid client credentials"], status: 401)
        }
        let (token, lifetime) = await issueToken()
        await log(.token, request, status: 200)
        return Self.json(
            ["access_token": token, "expires_in": lifetime, "token_type": "Bearer", "scope": Self.scope], status: 200)
    }
}
