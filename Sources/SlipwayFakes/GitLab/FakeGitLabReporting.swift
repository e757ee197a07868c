import Foundation
import Hummingbird
package import Logging
import NIOCore

/// A loopback stand-in for GitLab's commit status and merge-request note API, from GitLab's
/// documentation (`doc/api/commits.md`, `doc/api/notes.md`), under `/api/v4`:
///
/// - `GET /user`; `POST /projects/:id/statuses/:sha` — 400 "Cannot transition status" when the
///   same `name` already has that state, 400 over 255 characters;
/// - `GET/POST /projects/:id/merge_requests/:iid/notes` (paginated, `X-Next-Page`),
///   `PUT …/notes/:note_id` (403 for another user's note, 404 for an unknown one).
///
/// Every call checks `PRIVATE-TOKEN` (401 `{"message":"401 Unauthorized"}` otherwise).
package actor FakeGitLabAPI {
    package let token: String
    package let username: String
    private var statuses: [String: [FakeGitLabStatus]] = [:]
    private var notes: [String: [FakeGitLabNote]] = [:]
    private var nextID = 500
    /// Every call as `METHOD path`, in order.
    package private(set) var requestLog: [String] = []

    package init(token: String, username: String = "slipway-bot") {
        self.token = token
        self.username = username
    }

    package func statuses(project: String, sha: String) -> [FakeGitLabStatus] { statuses["\(project)@\(sha)"] ?? [] }
    package func notes(project: String, mergeRequest: Int) -> [FakeGitLabNote] { notes["\(project)!\(mergeRequest)"] ?? [] }

    /// A note by someone else (or a system note), to check Slipway leaves it alone.
    package func addNote(project: String, mergeRequest: Int, author: String, body: String, system: Bool = false) {
        nextID += 1
        notes["\(project)!\(mergeRequest)", default: []].append(
            FakeGitLabNote(id: nextID, author: author, body: body, system: system, edits: 0))
    }

    /// Serves the API while `body` runs; `body` gets the base URL to which `/api/v4` is appended.
    package nonisolated func run<T: Sendable>(logLevel: Logger.Level = .critical, body: (String) async throws -> T) async throws -> T {
        try await FakeServer.run(router(), name: "gitlab-reporting", logLevel: logLevel, body: body)
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/api/v4/user") { request, _ in
            await self.handle(request, "GET /user") { actor in Self.json(.ok, ["username": actor.username, "id": 42]) }
        }
        router.post("/api/v4/projects/:project/statuses/:sha") { request, context in
            let project = Self.project(context)
            let sha = context.parameters.get("sha") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            return await self.handle(request, "POST status \(project)@\(sha)") { actor in
                actor.createStatus(key: "\(project)@\(sha)", body: Data(body.readableBytesView))
            }
        }
        router.get("/api/v4/projects/:project/merge_requests/:iid/notes") { request, context in
            let key = "\(Self.project(context))!\(context.parameters.get("iid") ?? "")"
            let page = request.uri.queryParameters.get("page", as: Int.self) ?? 1
            let perPage = min(request.uri.queryParameters.get("per_page", as: Int.self) ?? 20, 100)
            return await self.handle(request, "GET notes \(key)") { actor in actor.listNotes(key: key, page: page, perPage: perPage) }
        }
        router.post("/api/v4/projects/:project/merge_requests/:iid/notes") { request, context in
            let key = "\(Self.project(context))!\(context.parameters.get("iid") ?? "")"
            let body = try await request.body.collect(upTo: 4 << 20)
            return await self.handle(request, "POST note \(key)") { actor in actor.createNote(key: key, body: Data(body.readableBytesView)) }
        }
        router.put("/api/v4/projects/:project/merge_requests/:iid/notes/:note") { request, context in
            let key = "\(Self.project(context))!\(context.parameters.get("iid") ?? "")"
            let id = context.parameters.get("note", as: Int.self) ?? -1
            let body = try await request.body.collect(upTo: 4 << 20)
            return await self.handle(request, "PUT note \(key)/\(id)") { actor in
                actor.updateNote(key: key, id: id, body: Data(body.readableBytesView))
            }
        }
        return router
    }

    private static func project(_ context: BasicRequestContext) -> String {
        let raw = context.parameters.get("project") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    private func handle(_ request: Request, _ description: String, _ body: @Sendable (isolated FakeGitLabAPI) -> Response) -> Response {
        requestLog.append(description)
        guard request.headers[.init("PRIVATE-TOKEN")!] == token else {
            return Self.json(.unauthorized, ["message": "401 Unauthorized"])
        }
        return body(self)
    }

    private func createStatus(key: String, body: Data) -> Response {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let state = object["state"] as? String,
            ["pending", "running", "success", "failed", "canceled", "skipped"].contains(state)
        else {
            return Self.json(.badRequest, ["error": "state does not have a valid value"])
        }
        let name = object["name"] as? String ?? object["context"] as? String ?? "default"
        for field in ["description", "target_url", "ref"] where ((object[field] as? String)?.count ?? 0) > 255 {
            return Self.json(.badRequest, ["message": ["\(field)": ["is too long (maximum is 255 characters)"]]])
        }
        if let last = statuses[key]?.last(where: { $0.name == name }), last.state == state {
            let verb = state == "running" ? "run" : state == "pending" ? "enqueue" : state == "success" ? "succeed" : "drop"
            return Self.json(.badRequest, ["message": "Cannot transition status via :\(verb) from :\(last.state) (Reasons: )"])
        }
        let status = FakeGitLabStatus(
            state: state, name: name, description: object["description"] as? String, targetURL: object["target_url"] as? String,
            ref: object["ref"] as? String)
        statuses[key, default: []].append(status)
        return Self.json(.created, ["id": statuses.count, "status": state, "name": name])
    }

    private func listNotes(key: String, page: Int, perPage: Int) -> Response {
        let all = notes[key] ?? []
        let slice = all.dropFirst((page - 1) * perPage).prefix(perPage)
        var response = Self.json(.ok, slice.map(Self.noteJSON))
        response.headers[.init("X-Next-Page")!] = page * perPage < all.count ? String(page + 1) : ""
        return response
    }

    private func createNote(key: String, body: Data) -> Response {
        guard let text = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["body"] as? String, !text.isEmpty else {
            return Self.json(.badRequest, ["message": "400 Bad request - body is missing"])
        }
        nextID += 1
        let note = FakeGitLabNote(id: nextID, author: username, body: text, system: false, edits: 0)
        notes[key, default: []].append(note)
        return Self.json(.created, Self.noteJSON(note))
    }

    private func updateNote(key: String, id: Int, body: Data) -> Response {
        guard let text = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["body"] as? String else {
            return Self.json(.badRequest, ["message": "400 Bad request - body is missing"])
        }
        guard let index = notes[key]?.firstIndex(where: { $0.id == id }) else {
            return Self.json(.notFound, ["message": "404 Not found"])
        }
        guard notes[key]![index].author == username else { return Self.json(.forbidden, ["message": "403 Forbidden"]) }
        notes[key]![index].body = text
        notes[key]![index].edits += 1
        return Self.json(.ok, Self.noteJSON(notes[key]![index]))
    }

    private static func noteJSON(_ note: FakeGitLabNote) -> [String: Any] {
        ["id": note.id, "body": note.body, "system": note.system, "author": ["username": note.author]]
    }

    static func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        FakeServer.json(status, object)
    }
}

/// A commit status as the fake GitLab stored it.
package struct FakeGitLabStatus: Sendable, Equatable {
    package var state: String
    package var name: String
    package var description: String?
    package var targetURL: String?
    package var ref: String?
}

/// A merge-request note on the fake GitLab.
package struct FakeGitLabNote: Sendable, Equatable {
    package var id: Int
    package var author: String
    package var body: String
    package var system: Bool
    package var edits: Int
}
