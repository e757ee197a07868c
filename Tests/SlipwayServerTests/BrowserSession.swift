import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayHTTP

/// A minimal browser for the access tests: sends `Accept: text/html`, keeps cookies by name, and
/// does not follow redirects (so a test sees each 302/303 and its `Set-Cookie`).
actor BrowserSession {
    struct Page: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var location: String? { headers.first(name: "location") }
        /// The `Set-Cookie` lines of this answer.
        var setCookies: [String] { headers[canonicalForm: "set-cookie"].map(String.init) }
    }

    /// One client for the test process (never shut down, like `HTTPClient.shared`), not following redirects.
    static let client = OutboundHTTP.makeSharedClient()
    private(set) var cookies: [String: String] = [:]

    func get(_ url: String, headers: [(String, String)] = []) async throws -> Page {
        try await send(url, method: .GET, headers: headers, body: nil)
    }

    func post(_ url: String, form: [String: String], headers: [(String, String)] = []) async throws -> Page {
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return try await send(
            url, method: .POST, headers: headers + [("Content-Type", "application/x-www-form-urlencoded")], body: body)
    }

    /// Opens the login page and submits its form with `token`, as a person would.
    func signIn(_ server: String, token: String, next: String = "/", headers: [(String, String)] = []) async throws -> Page {
        let form = try await get(server + "/login")
        let csrf = Self.hiddenField("csrf", in: form.text) ?? ""
        return try await post(server + "/login", form: ["token": token, "next": next, "csrf": csrf], headers: headers)
    }

    func setCookie(_ name: String, _ value: String) {
        cookies[name] = value
    }

    private func send(_ url: String, method: HTTPMethod, headers: [(String, String)], body: String?) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "text/html")
        if !cookies.isEmpty {
            request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
        let page = Page(status: Int(response.status.code), headers: response.headers, text: text)
        for line in page.setCookies {
            let pair = line.split(separator: ";").first.map(String.init) ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[1].isEmpty || line.lowercased().contains("max-age=0") { cookies[parts[0]] = nil } else { cookies[parts[0]] = parts[1] }
        }
        return page
    }

    /// The value of the hidden `name` input on a page (the CSRF token).
    static func hiddenField(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
