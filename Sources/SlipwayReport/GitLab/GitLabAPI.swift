package import AsyncHTTPClient
import Foundation
package import Logging
import NIOHTTP1
package import SlipwayCore

/// The GitLab REST calls behind statuses and MR notes (gitlab.com or self-managed, by `apiURL`,
/// which includes `/api/v4`). Authenticates with `PRIVATE-TOKEN`.
package struct GitLabAPI: Sendable {
    package let apiURL: String
    package let token: Secret
    let http: ServiceHTTP
    private let identity = GitLabUserCache()

    /// GitLab refuses `ref`, `target_url` and `description` longer than this.
    package static let statusFieldLimit = 255
    package static let noteBodyLimit = 1_000_000

    package init(httpClient: HTTPClient, apiURL: String, token: Secret, logger: Logger, retryDelay: Duration = .seconds(2)) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.token = token
        http = ServiceHTTP(service: "GitLab", httpClient: httpClient, logger: logger, retryDelay: retryDelay)
    }

    /// Posts a commit status. GitLab answers 400 "Cannot transition status" when the commit is
    /// already in that state (or the move is not allowed): that means the state is there, so it is
    /// success, and retrying would not help.
    package func postStatus(
        project: String, sha: String, state: String, name: String, description: String, targetURL: String?, ref: String?
    ) async throws(ReportError) {
        var body: [String: String] = [
            "state": state, "name": name, "description": Self.truncate(description, to: Self.statusFieldLimit),
        ]
        if let targetURL, targetURL.count <= Self.statusFieldLimit { body["target_url"] = targetURL }
        if let ref, !ref.isEmpty, ref.count <= Self.statusFieldLimit { body["ref"] = ref }
        let step = "post commit status \(name)"
        let reply = try await call(.POST, "/projects/\(Self.encode(project))/statuses/\(sha)", body: body, step: step)
        if reply.status < 300 { return }
        if reply.status == 400, reply.message.contains("Cannot transition status") { return }
        throw failure(reply, step: step)
    }

    /// Creates or edits the merge request's one note: `compose` gets its body now (nil when there is
    /// none yet) and returns the new one. Returns the note's id.
    package func upsertMergeRequestNote(
        project: String, mergeRequest: Int, marker: String, compose: (String?) -> String
    ) async throws(ReportError) -> Int {
        let base = "/projects/\(Self.encode(project))/merge_requests/\(mergeRequest)/notes"
        let existing = try await findNoteWithBody(base: base, marker: marker)
        let text = Self.noteBody(compose(existing?.body), marker: marker)
        if let existing {
            let reply = try await call(.PUT, "\(base)/\(existing.id)", body: ["body": text], step: "edit the MR note")
            guard reply.status < 300 else { throw failure(reply, step: "edit the MR note") }
            return existing.id
        }
        let reply = try await call(.POST, base, body: ["body": text], step: "post the MR note")
        guard reply.status < 300 else { throw failure(reply, step: "post the MR note") }
        guard let id = reply.object?["id"] as? Int else { throw .unexpectedResponse(step: "post the MR note") }
        return id
    }

    private func findNoteWithBody(base: String, marker: String) async throws(ReportError) -> (id: Int, body: String)? {
        let me = try await username()
        for page in 1...50 {
            let step = "list the MR's notes"
            let reply = try await call(.GET, "\(base)?sort=asc&order_by=created_at&per_page=100&page=\(page)", body: nil, step: step)
            guard reply.status < 300 else { throw failure(reply, step: step) }
            guard let notes = try? JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]] else {
                throw .unexpectedResponse(step: step)
            }
            for note in notes where note["system"] as? Bool != true {
                let author = (note["author"] as? [String: Any])?["username"] as? String
                if author == me, let body = note["body"] as? String, body.contains(marker), let id = note["id"] as? Int {
                    return (id, body)
                }
            }
            let next = reply.headers.first(name: "x-next-page") ?? ""
            if notes.count < 100 && next.isEmpty { return nil }
            if !next.isEmpty, Int(next) == nil { return nil }
        }
        return nil
    }

    private func username() async throws(ReportError) -> String {
        if let known = await identity.username { return known }
        let reply = try await call(.GET, "/user", body: nil, step: "look up the token's user")
        guard reply.status < 300 else { throw failure(reply, step: "look up the token's user") }
        guard let name = reply.object?["username"] as? String else { throw .unexpectedResponse(step: "look up the token's user") }
        await identity.set(name)
        return name
    }

    private func call(_ method: HTTPMethod, _ path: String, body: [String: String]?, step: String) async throws(ReportError)
        -> ServiceHTTP.Reply
    {
        try await http.send(
            method, apiURL + path, headers: [("PRIVATE-TOKEN", token.revealed)], json: body.flatMap(ServiceHTTP.encode),
            step: step)
    }

    private func failure(_ reply: ServiceHTTP.Reply, step: String) -> ReportError {
        let hint: String? =
            switch reply.status {
            case 401: "the GitLab token is invalid, expired or revoked"
            case 403: "the token needs the api scope and at least Developer role in the project"
            case 404: "the project or merge request was not found, or the token cannot see it; set project: if the path differs"
            default: nil
            }
        return .service(name: "GitLab", step: step, status: reply.status, message: reply.message, hint: hint)
    }

    /// A project id as GitLab takes it in a path: a number, or the URL-encoded `group/project` path.
    static func encode(_ project: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return project.addingPercentEncoding(withAllowedCharacters: allowed) ?? project
    }

    static func truncate(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    static func noteBody(_ body: String, marker: String) -> String {
        let note = "\n\n… (cut to fit GitLab's note limit; the full report is on the Slipway dashboard)"
        let full = body + "\n\n" + marker
        guard full.count > noteBodyLimit else { return full }
        return String(body.prefix(noteBodyLimit - marker.count - note.count - 2)) + note + "\n\n" + marker
    }
}

/// The token's username, looked up once.
private actor GitLabUserCache {
    var username: String?
    func set(_ value: String) { username = value }
}
