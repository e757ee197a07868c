import SlipwayCore
package import AsyncHTTPClient
package import Foundation
package import NIOCore
import NIOHTTP1
import NIOPosix

/// The one door every outbound request of Slipway goes through. It follows redirects itself, so
/// two rules hold for every client, present and future:
///
/// - **Credentials stay with their origin.** Every credential header (`Authorization`,
///   `Circle-Token`, `PRIVATE-TOKEN`, …, plus any a caller names) and the URL's user-info go only
///   to the scheme, host and port they were issued for; a redirect to another origin drops them.
/// - **URLs Slipway did not configure cannot reach private networks.** A request marked
///   `.external` (its URL came from a webhook, a CI's or a store's answer) and every redirect hop
///   to another origin is resolved once, every answer checked against `PrivateNetworkPolicy`, and
///   the connection pinned to the checked address (no second lookup for DNS rebinding to swap).
///
/// And every request carries `User-Agent: slipway/<version>`.
///
/// The shared `client` must not follow redirects itself (`redirectConfiguration: .disallow`),
/// otherwise 3xx answers never reach this type; `makeSharedClient()` builds one that way.
package struct OutboundHTTP: Sendable {
    /// Where a request's URL came from.
    package enum Trust: Sendable {
        /// The operator wrote it in the config (an API base URL): no address check.
        case configured
        /// A webhook, a CI, a store or a redirect named it: address-checked and pinned.
        case external
    }

    package let client: HTTPClient
    package let network: PrivateNetworkPolicy
    package let resolver: any HostResolver
    package let maxRedirects: Int

    /// Header names that always count as credentials (lowercased).
    package static let credentialHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "circle-token", "private-token", "job-token",
        "x-gitlab-token", "x-api-key", "api-key", "x-auth-token", "x-slipway-token", "x-amz-security-token",
    ]

    package init(
        client: HTTPClient, network: PrivateNetworkPolicy = .strict, resolver: any HostResolver = SystemHostResolver(),
        maxRedirects: Int = 5
    ) {
        self.client = client
        self.network = network
        self.resolver = resolver
        self.maxRedirects = maxRedirects
    }

    /// A long-lived client for `OutboundHTTP`: redirects handed back, a refused connection failing
    /// at once (the caller's retry schedule takes over, instead of a worker tied up until the connect timeout).
    package static func makeSharedClient() -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration())
    }

    static func clientConfiguration(dnsOverride: [String: String] = [:]) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(300)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.dnsOverride = dnsOverride
        // `OutboundSpan` makes one span per hop itself, without the query string AsyncHTTPClient's
        // own spans would record.
        configuration.tracing.tracer = nil
        return configuration
    }

    /// Sends `request`, following redirects for GET and HEAD (at most `maxRedirects`, never https →
    /// http), and hands the final answer and its URL to `body` while the connection is open.
    ///
    /// - Parameters:
    ///   - extraCredentialHeaders: header names this caller uses for credentials, beyond `credentialHeaders`.
    ///   - checkHop: called with every redirect target before it is requested (host allowlists).
    /// - Throws: `OutboundRefusal` (final, do not retry), the client's transport errors, or what `body` throws.
    package func withResponse<T: Sendable>(
        _ request: HTTPClientRequest, trust: Trust, timeout: TimeAmount, followRedirects: Bool = true,
        extraCredentialHeaders: Set<String> = [], checkHop: @Sendable (URL) throws -> Void = { _ in },
        _ body: (HTTPClientResponse, URL) async throws -> T
    ) async throws -> T {
        guard let startURL = URL(string: request.url), let startOrigin = Origin(startURL) else {
            throw OutboundRefusal.unsupportedURL(redactedURL(request.url))
        }
        let credentialNames = Self.credentialHeaders.union(extraCredentialHeaders.map { $0.lowercased() })
        var current = request
        // Every request says who sends it (stores and CIs ask for it in their logs).
        current.headers.replaceOrAdd(name: "User-Agent", value: SlipwayVersion.userAgent)
        var currentURL = startURL
        var currentOrigin = startOrigin
        var currentTrust = trust
        var hops = 0
        while true {
            let (response, finish) = try await send(current, url: currentURL, trust: currentTrust, timeout: timeout)
            let followable = followRedirects && (current.method == .GET || current.method == .HEAD)
            guard followable, [301, 302, 303, 307, 308].contains(response.status.code),
                let location = response.headers.first(name: "location")
            else {
                do {
                    let result = try await body(response, currentURL)
                    await finish()
                    return result
                } catch {
                    await finish()
                    throw error
                }
            }
            // Drain what is left of the redirect's body before the next hop.
            _ = try? await response.body.collect(upTo: 1 << 16)
            await finish()
            hops += 1
            guard hops <= maxRedirects else {
                throw OutboundRefusal.tooManyRedirects(url: redactedURL(request.url), limit: maxRedirects)
            }
            guard let next = URL(string: location, relativeTo: currentURL)?.absoluteURL, let nextOrigin = Origin(next) else {
                throw OutboundRefusal.badRedirect(url: redactedURL(currentURL.absoluteString), location: redactedURL(location))
            }
            if currentOrigin.scheme == "https" && nextOrigin.scheme == "http" {
                throw OutboundRefusal.insecureRedirect(
                    from: redactedURL(currentURL.absoluteString), to: redactedURL(next.absoluteString))
            }
            try checkHop(next)
            var redirected = HTTPClientRequest(url: next.absoluteString)
            redirected.method = current.method
            let sameOrigin = nextOrigin == currentOrigin
            for header in current.headers where sameOrigin || !credentialNames.contains(header.name.lowercased()) {
                if header.name.lowercased() == "host" { continue }
                redirected.headers.add(name: header.name, value: header.value)
            }
            if !sameOrigin {
                redirected.url = Self.withoutUserInfo(next)
                currentTrust = .external
            }
            current = redirected
            currentURL = next
            currentOrigin = nextOrigin
        }
    }

    /// One request, without following redirects. For an external URL the host is resolved and
    /// checked here and the connection pinned to the checked address through a short-lived client
    /// (shut down by `finish`, after the caller has read the body).
    private func send(_ request: HTTPClientRequest, url: URL, trust: Trust, timeout: TimeAmount) async throws
        -> (HTTPClientResponse, @Sendable () async -> Void)
    {
        guard trust == .external else {
            return (try await OutboundSpan.traced(request, url: url) { try await client.execute($0, timeout: timeout) }, {})
        }
        guard let origin = Origin(url) else { throw OutboundRefusal.unsupportedURL(redactedURL(request.url)) }
        let shown = redactedURL(url.absoluteString)
        if let literal = IPAddress(origin.host) {
            try check(literal, host: origin.host, url: shown)
            return (try await OutboundSpan.traced(request, url: url) { try await client.execute($0, timeout: timeout) }, {})
        }
        let addresses: [IPAddress]
        do {
            addresses = try await resolver.addresses(of: origin.host)
        } catch {
            throw OutboundRefusal.unresolvable(url: shown, host: origin.host, reason: "\(error)")
        }
        guard let first = addresses.first else {
            throw OutboundRefusal.unresolvable(url: shown, host: origin.host, reason: "no addresses")
        }
        for address in addresses { try check(address, host: origin.host, url: shown) }
        let pinned = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: Self.clientConfiguration(dnsOverride: [origin.host: first.description]))
        let finish: @Sendable () async -> Void = { try? await pinned.shutdown() }
        do {
            return (try await OutboundSpan.traced(request, url: url) { try await pinned.execute($0, timeout: timeout) }, finish)
        } catch {
            await finish()
            throw error
        }
    }

    private func check(_ address: IPAddress, host: String, url: String) throws {
        if let refused = network.refusal(for: address) {
            throw OutboundRefusal.privateAddress(
                url: url, host: host, address: address.description, range: refused.range.description, rangeName: refused.name)
        }
    }

    static func withoutUserInfo(_ url: URL) -> String {
        guard url.user != nil || url.password != nil, var parts = URLComponents(url: url, resolvingAgainstBaseURL: true)
        else { return url.absoluteString }
        parts.user = nil
        parts.password = nil
        return parts.string ?? url.absoluteString
    }
}
