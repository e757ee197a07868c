import SlipwayCore
/// Why the guard would not send a request. Final: asking again gives the same answer, so callers
/// fail the step at once instead of retrying. URLs in it have no query string nor user-info.
package enum OutboundRefusal: Error, CustomStringConvertible, Equatable {
    /// The host resolves to (or is) an address in a refused range.
    case privateAddress(url: String, host: String, address: String, range: String, rangeName: String)
    /// The host name did not resolve.
    case unresolvable(url: String, host: String, reason: String)
    /// More than the allowed number of redirects.
    case tooManyRedirects(url: String, limit: Int)
    /// A redirect from https to http.
    case insecureRedirect(from: String, to: String)
    /// Not an http(s) URL with a host.
    case unsupportedURL(String)
    /// A redirect whose `Location` is missing or unreadable.
    case badRedirect(url: String, location: String)

    package var description: String {
        switch self {
        case .privateAddress(let url, let host, let address, let range, let name):
            let via = host == address ? "" : " (\(host) resolves to \(address))"
            return "refused to fetch \(url): \(address) is in \(range), \(name)\(via); Slipway does not reach private "
                + "networks from URLs a webhook, CI or store names. To allow it, add \(NetworkRange(network: IPAddress(address)!, prefixLength: IPAddress(address)!.isIPv4 ? 32 : 128)) (or its network) to server.outbound.allow_private_networks"
        case .unresolvable(let url, let host, let reason):
            return "cannot fetch \(url): the host \(host) does not resolve (\(reason))"
        case .tooManyRedirects(let url, let limit):
            return "stopped following redirects from \(url) after \(limit) hops"
        case .insecureRedirect(let from, let to):
            return "refused a redirect from \(from) to \(to): https never downgrades to http"
        case .unsupportedURL(let url):
            return "\(url) is not an http or https URL with a host"
        case .badRedirect(let url, let location):
            return "\(url) answered a redirect to \"\(location)\", which is not a URL"
        }
    }
}
