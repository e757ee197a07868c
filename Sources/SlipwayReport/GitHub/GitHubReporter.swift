package import AsyncHTTPClient
import Foundation
package import Logging
import NIOCore
package import SlipwayHTTP
import NIOHTTP1
package import SlipwayCore

/// Posts commit statuses and the sticky PR comment through the GitHub REST API (github.com or
/// GitHub Enterprise Server, by `apiURL`).
///
/// The sticky comment carries a hidden marker; it is found again by marker *and* author (the
/// token's own login), so a user who quotes the marker cannot make Slipway edit their comment.
/// Retries 5xx, 429 and GitHub's secondary rate limit (honouring `retry-after` and
/// `x-ratelimit-reset`); other 4xx fail at once with GitHub's message.
package struct GitHubReporter: Sendable {
    package let httpClient: HTTPClient
    package let apiURL: String
    /// A static token or a GitHub App's installation tokens.
    package let credentials: any GitHubCredentials
    package let logger: Logger
    package let maxAttempts: Int
    /// First backoff step; doubled per attempt, with jitter.
    package let retryDelay: Duration
    /// How long to wait on a secondary rate limit that names no time (GitHub: "at least a minute").
    package let rateLimitFallbackWait: Duration
    private let identity: LoginCache

    /// GitHub's limits: status descriptions and comment bodies beyond these are refused with 422.
    package static let statusDescriptionLimit = 140
    package static let commentBodyLimit = 65_536

    /// - Parameter login: the token's own login, when known. A GitHub App installation token
    ///   cannot call `GET /user` (403 "Resource not accessible by integration"): pass the App's bot
    ///   login (`<app-slug>[bot]`) so the sticky comment is still found by author. Nil looks it up
    ///   once with `GET /user`.
    package init(
        httpClient: HTTPClient, apiURL: String, token: Secret, logger: Logger, maxAttempts: Int = 4,
        retryDelay: Duration = .seconds(2), rateLimitFallbackWait: Duration = .seconds(60), login: String? = nil
    ) {
        self.init(
            httpClient: httpClient, apiURL: apiURL, credentials: StaticGitHubToken(token), logger: logger,
            maxAttempts: maxAttempts, retryDelay: retryDelay, rateLimitFallbackWait: rateLimitFallbackWait, login: login)
    }

    /// With App credentials the login is the App's `<slug>[bot]`, read from `GET /app`.
    package init(
        httpClient: HTTPClient, apiURL: String, credentials: any GitHubCredentials, logger: Logger, maxAttempts: Int = 4,
        retryDelay: Duration = .seconds(2), rateLimitFallbackWait: Duration = .seconds(60), login: String? = nil
    ) {
        self.httpClient = httpClient
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.credentials = credentials
        self.logger = logger
        self.maxAttempts = max(1, maxAttempts)
        self.retryDelay = retryDelay
        self.rateLimitFallbackWait = rateLimitFallbackWait
        self.identity = LoginCache(login: login)
    }

    package func postStatus(
        repository: String, sha: String, context: String, state: CommitState, description: String, targetURL: String?
    ) async throws(ReportError) {
        var body: [String: String] = [
            "state": state.rawValue, "context": context,
            "description": Self.truncate(description, to: Self.statusDescriptionLimit),
        ]
        if let targetURL { body["target_url"] = targetURL }
        _ = try await call(.POST, "/repos/\(repository)/statuses/\(sha)", body: body, step: "post commit status \(context)")
    }

    /// A check run's state: `queued`, `in_progress`, or `completed` with its conclusion.
    package enum CheckRunState: Sendable, Equatable {
        case queued, inProgress
        case completed(conclusion: String)
    }

    /// True with GitHub App credentials: only Apps may write check runs.
    package var canWriteCheckRuns: Bool { credentials.canRefresh }

    /// Creates the delivery's check run (`knownID` nil) or updates it; returns its id.
    /// - Parameter offersRedelivery: a failed run shows the "Re-deliver failed" button (a delivery's
    ///   run; not the rules file's).
    package func upsertCheckRun(
        repository: String, sha: String, name: String, knownID: Int?, state: CheckRunState, title: String, summary: String,
        detailsURL: String?, externalID: String, offersRedelivery: Bool = true
    ) async throws(ReportError) -> Int {
        var body: [String: any Sendable] = [
            "name": name, "head_sha": sha, "external_id": externalID,
            "output": ["title": Self.truncate(title, to: 255), "summary": Self.truncate(summary, to: 65_535)] as [String: String],
        ]
        switch state {
        case .queued: body["status"] = "queued"
        case .inProgress: body["status"] = "in_progress"
        case .completed(let conclusion):
            body["status"] = "completed"
            body["conclusion"] = conclusion
        }
        // GitHub's limits: label ≤ 20, description ≤ 40, identifier ≤ 20 characters.
        body["actions"] =
            state == .completed(conclusion: "failure") && offersRedelivery
            ? [["label": "Re-deliver failed", "description": "Upload again to the stores that failed", "identifier": CheckRunAction.redeliver]]
            : [[String: String]]()
        if let detailsURL { body["details_url"] = detailsURL }
        if let knownID {
            _ = try await call(.PATCH, "/repos/\(repository)/check-runs/\(knownID)", body: body, step: "update the check run")
            return knownID
        }
        let created = try await call(.POST, "/repos/\(repository)/check-runs", body: body, step: "create the check run")
        guard let object = try? JSONSerialization.jsonObject(with: created) as? [String: Any], let id = object["id"] as? Int else {
            throw .unexpectedResponse(step: "create the check run")
        }
        return id
    }

    /// Creates or edits the comment holding `marker` with `body`; returns its id.
    package func upsertComment(
        repository: String, issueNumber: Int, marker: String, body: String
    ) async throws(ReportError) -> Int {
        try await upsertPullRequestComment(repository: repository, issueNumber: issueNumber, marker: marker) { _ in body }
    }

    /// Creates or edits the pull request's one comment: `compose` gets the body it has now (nil
    /// when there is none yet) and returns the new one. Returns the comment's id.
    package func upsertPullRequestComment(
        repository: String, issueNumber: Int, marker: String, compose: (String?) -> String
    ) async throws(ReportError) -> Int {
        let existing = try await findCommentWithBody(repository: repository, issueNumber: issueNumber, marker: marker)
        let text = Self.commentBody(compose(existing?.body), marker: marker)
        if let existing {
            _ = try await call(
                .PATCH, "/repos/\(repository)/issues/comments/\(existing.id)", body: ["body": text], step: "edit the PR comment")
            return existing.id
        }
        let created = try await call(
            .POST, "/repos/\(repository)/issues/\(issueNumber)/comments", body: ["body": text], step: "post the PR comment")
        guard let object = try? JSONSerialization.jsonObject(with: created) as? [String: Any], let id = object["id"] as? Int
        else {
            throw .unexpectedResponse(step: "post the PR comment")
        }
        return id
    }

    /// The comment holding `marker` written by this token's user (found on any page), with its body.
    private func findCommentWithBody(repository: String, issueNumber: Int, marker: String) async throws(ReportError)
        -> (id: Int, body: String)?
    {
        let me = try await login()
        var page = 1
        while page <= 50 {
            let data = try await call(
                .GET, "/repos/\(repository)/issues/\(issueNumber)/comments?per_page=100&page=\(page)", body: nil,
                step: "list the PR's comments")
            guard let comments = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                throw .unexpectedResponse(step: "list the PR's comments")
            }
            for comment in comments {
                let author = (comment["user"] as? [String: Any])?["login"] as? String
                if author == me, let body = comment["body"] as? String, body.contains(marker), let id = comment["id"] as? Int {
                    return (id, body)
                }
            }
            if comments.count < 100 { return nil }
            page += 1
        }
        return nil
    }

    private func login() async throws(ReportError) -> String {
        if let known = await identity.login { return known }
        do {
            if let bot = try await credentials.botLogin() {
                await identity.set(bot)
                return bot
            }
        } catch {
            throw .transport(step: "look up the App's login", reason: error.description)
        }
        let data: Data
        do {
            data = try await call(.GET, "/user", body: nil, step: "look up the token's user")
        } catch .http(let step, let status, let message) where status == 403 {
            throw .http(
                step: step, status: status,
                message: message + " (a GitHub App token cannot read /user: set the bot's login, `<app-slug>[bot]`)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let login = object["login"] as? String
        else {
            throw .unexpectedResponse(step: "look up the token's user")
        }
        await identity.set(login)
        return login
    }

    // MARK: HTTP

    private func call(_ method: HTTPMethod, _ path: String, body: [String: any Sendable]?, step: String) async throws(ReportError)
        -> Data
    {
        var attempt = 0
        var refusedOnce = false
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: apiURL + path)
            request.method = method
            let repository = Self.repository(in: path)
            do {
                request.headers.add(name: "Authorization", value: try await credentials.authorization(repository: repository))
            } catch {
                throw .transport(step: step, reason: error.description)
            }
            request.headers.add(name: "Accept", value: "application/vnd.github+json")
            request.headers.add(name: "X-GitHub-Api-Version", value: "2022-11-28")
            if let body, let data = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]) {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: data))
            }
            let status: Int
            let data: Data
            let retryAfter: Duration?
            do {
                (data, status, retryAfter) = try await OutboundHTTP(client: httpClient).withResponse(
                    request, trust: .configured, timeout: .seconds(30)
                ) { response, _ in
                    let status = Int(response.status.code)
                    return (
                        Data(try await response.body.collect(upTo: 8 << 20).readableBytesView), status,
                        Self.retryAfter(response.headers, status: status)
                    )
                }
            } catch {
                if attempt < maxAttempts && !Task.isCancelled {
                    try await pause(backoff(attempt), step: step)
                    continue
                }
                throw .transport(step: step, reason: "GitHub did not answer (\(type(of: error)))")
            }
            if status < 300 { return data }
            let message = Self.message(data)
            if status == 401, credentials.canRefresh, attempt < maxAttempts, !refusedOnce {
                // An installation token may expire (or be revoked) between two calls: fetch a fresh one, once.
                refusedOnce = true
                await credentials.refused(repository: repository)
                continue
            }
            // Secondary rate limit: 403/429 with retry-after or an exhausted quota, or a 403 whose
            // message says so without naming a time (then wait at least a minute, as GitHub asks).
            let secondaryWithoutTime =
                status == 403 && retryAfter == nil && message.lowercased().contains("secondary rate limit")
            let rateLimited = status == 429 || (status == 403 && retryAfter != nil) || secondaryWithoutTime
            if (status >= 500 || rateLimited) && attempt < maxAttempts {
                let wait = min(
                    retryAfter ?? (secondaryWithoutTime ? max(rateLimitFallbackWait, backoff(attempt)) : backoff(attempt)),
                    .seconds(60))
                logger.notice("GitHub asked to retry", metadata: ["step": "\(step)", "status": "\(status)", "wait": "\(wait)"])
                try await pause(wait, step: step)
                continue
            }
            throw .http(step: step, status: status, message: message)
        }
    }

    /// `OWNER/NAME` of a `/repos/OWNER/NAME/…` path (whose installation token the call needs).
    static func repository(in path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.count >= 3 && parts[0] == "repos" ? "\(parts[1])/\(parts[2])" : ""
    }

    /// `retryDelay` doubled per failed attempt, with 50–100 % jitter so replicas do not retry in step.
    func backoff(_ attempt: Int) -> Duration {
        let base = retryDelay * (1 << min(attempt - 1, 10))
        return base * Double.random(in: 0.5...1.0)
    }

    /// Sleeps; a cancelled task stops retrying instead of spinning through its attempts.
    private func pause(_ duration: Duration, step: String) async throws(ReportError) {
        do {
            try await Task.sleep(for: duration)
        } catch {
            throw .transport(step: step, reason: "cancelled while waiting to retry")
        }
    }

    /// `retry-after` seconds, or the time until `x-ratelimit-reset` when `x-ratelimit-remaining` is 0.
    static func retryAfter(_ headers: HTTPHeaders, status: Int) -> Duration? {
        if let value = headers.first(name: "retry-after"), let seconds = Int(value) {
            return .seconds(seconds)
        }
        if headers.first(name: "x-ratelimit-remaining") == "0", let reset = headers.first(name: "x-ratelimit-reset").flatMap(Double.init) {
            return .seconds(max(1, Int(reset - Date().timeIntervalSince1970)))
        }
        return nil
    }

    static func message(_ data: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return String(decoding: data.prefix(200), as: UTF8.self)
        }
        var message = object["message"] as? String ?? "no message"
        if let errors = object["errors"] as? [[String: Any]] {
            let details = errors.compactMap { $0["message"] as? String }
            if !details.isEmpty { message += ": " + details.joined(separator: "; ") }
        }
        return message
    }

    static func truncate(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// The body with its marker, cut to GitHub's limit with a note when the template produced more.
    static func commentBody(_ body: String, marker: String) -> String {
        let note = "\n\n… (cut to fit GitHub's comment limit; the full report is on the Slipway dashboard)"
        let full = body + "\n" + marker
        guard full.count > commentBodyLimit else { return full }
        return String(body.prefix(commentBodyLimit - marker.count - note.count - 2)) + note + "\n" + marker
    }
}

/// The token's login, looked up once.
private actor LoginCache {
    var login: String?
    init(login: String?) { self.login = login }
    func set(_ value: String) { login = value }
}
