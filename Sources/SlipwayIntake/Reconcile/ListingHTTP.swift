import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SlipwayHTTP

/// GET requests to a CI's API for listings, with the CI's rate-limit answers turned into
/// `ListingError.rateLimited` so the reconciler pauses that source and goes on with the others.
///
/// Understood: GitHub's `403`/`429` with `retry-after` (secondary limits) or `x-ratelimit-remaining: 0`
/// plus `x-ratelimit-reset` (epoch seconds), GitLab's `429` with `Retry-After` or `RateLimit-Reset`,
/// and a `200` that used the last request of the window (the next call would be refused).
package struct ListingHTTP: Sendable {
    let http: OutboundHTTP
    let now: @Sendable () -> Date

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        /// Set when the answer was fine but the window is used up: pause after using it.
        var exhaustedUntil: Date?

        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// Longest a listing waits for a rate-limit reset before the pause is cut short and retried.
    static let longestPause: TimeInterval = 3600

    /// - Parameter hint: explains an HTTP error status for this CI.
    func get(
        _ url: String, headers: [(String, String)], step: String, hint: @Sendable (Int) -> String?
    ) async throws(ListingError) -> Answer {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let answer: Answer
        do {
            answer = try await http.withResponse(request, trust: .configured, timeout: .seconds(60)) { response, _ in
                let body = try await response.body.collect(upTo: 16 << 20)
                return Answer(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
            }
        } catch let refusal as OutboundRefusal {
            throw .transport(step: step, reason: refusal.description)
        } catch {
            throw .transport(step: step, reason: "the CI did not answer (\(type(of: error)))")
        }
        if let until = limitedUntil(answer) {
            throw .rateLimited(until: until, message: Self.message(answer.body) ?? "HTTP \(answer.status)")
        }
        switch answer.status {
        case 200..<300, 304:
            var ok = answer
            if answer.header("x-ratelimit-remaining") == "0" || answer.header("ratelimit-remaining") == "0" {
                ok.exhaustedUntil = resetTime(answer) ?? now().addingTimeInterval(60)
            }
            return ok
        case 404:
            throw .notFound(step: step)
        default:
            throw .http(step: step, status: answer.status, message: Self.message(answer.body) ?? "no message", hint: hint(answer.status))
        }
    }

    /// When a refused answer may be retried, or nil when it was not a rate-limit refusal.
    private func limitedUntil(_ answer: Answer) -> Date? {
        guard answer.status == 403 || answer.status == 429 else { return nil }
        let current = now()
        if let seconds = answer.header("retry-after").flatMap(TimeInterval.init) {
            return current.addingTimeInterval(min(max(seconds, 1), Self.longestPause))
        }
        let remaining = answer.header("x-ratelimit-remaining") ?? answer.header("ratelimit-remaining")
        if remaining == "0" || answer.status == 429, let reset = resetTime(answer) {
            return min(max(reset, current.addingTimeInterval(1)), current.addingTimeInterval(Self.longestPause))
        }
        // GitHub's secondary limits without headers: wait at least a minute, as its docs ask.
        if answer.status == 429 || (Self.message(answer.body) ?? "").lowercased().contains("rate limit") {
            return current.addingTimeInterval(60)
        }
        return nil
    }

    private func resetTime(_ answer: Answer) -> Date? {
        (answer.header("x-ratelimit-reset") ?? answer.header("ratelimit-reset"))
            .flatMap(TimeInterval.init).map { Date(timeIntervalSince1970: $0) }
    }

    /// The answer's JSON as `T` (snake_case keys, ISO 8601 dates), or the documented-JSON error for `step`.
    static func decode<T: Decodable>(_ type: T.Type, _ answer: Answer, step: String) throws(ListingError) -> T {
        do {
            return try JSONDecoder.gitHub.decode(type, from: answer.body)
        } catch {
            throw .unexpectedAnswer(step: step)
        }
    }

    /// The `message` (GitHub, GitLab) or `error` of a JSON error body.
    static func message(_ body: Data) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        return (object["message"] as? String) ?? (object["error"] as? String)
    }

    /// A cursor a CI handed back (a page token, a slug), percent-encoded so it stays one query value.
    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
    }

    /// `2026-12-01T10:00:00Z` as a query value (`:` and `+` percent-encoded), for the CIs' date filters.
    static func queryTimestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: "+", with: "%2B")
    }

    /// The `rel="next"` URL of a `Link` header, when it is on the origin of `base` (the API's
    /// credentials go with the next page, so a link elsewhere ends the listing).
    package static func nextLink(_ header: String?, sameOriginAs base: String) -> String? {
        guard let link = link(header), Origin(link) == Origin(base) else { return nil }
        return link
    }

    private static func link(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count >= 2, pieces.dropFirst().contains("rel=\"next\""), pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">")
            else { continue }
            return String(pieces[0].dropFirst().dropLast())
        }
        return nil
    }
}
