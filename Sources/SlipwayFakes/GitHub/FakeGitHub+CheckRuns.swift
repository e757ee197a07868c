import Foundation
import Hummingbird
import NIOCore

/// A check run as the fake keeps it, with every status it went through.
package struct FakeGitHubCheckRun: Sendable, Equatable {
    package var id: Int
    package var name: String
    package var headSHA: String
    package var status: String
    package var conclusion: String?
    package var title: String?
    package var summary: String?
    package var detailsURL: String?
    package var externalID: String?
    /// The identifiers of the buttons the run offers (`actions`).
    package var actions: [String] = []
    /// `status` or `status/conclusion` after each create and update, in order.
    package var transitions: [String]
}

/// `POST /repos/{o}/{r}/check-runs` and `PATCH /repos/{o}/{r}/check-runs/{id}`: GitHub lets only
/// Apps (installation tokens) write check runs, checks `status`/`conclusion` and needs `output.title`
/// with `output.summary`.
extension FakeGitHub {
    package func checkRuns(sha: String) -> [FakeGitHubCheckRun] {
        checkRuns.values.filter { $0.headSHA == sha }.sorted { $0.id < $1.id }
    }

    nonisolated func addCheckRunRoutes(to router: Router<BasicRequestContext>) {
        router.post("/repos/:owner/:repo/check-runs") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let header = request.headers[.authorization] ?? ""
            return await self.writeCheckRun(id: nil, header: header, body: Data(body.readableBytesView))
        }
        router.patch("/repos/:owner/:repo/check-runs/:id") { request, context in
            let body = try await request.body.collect(upTo: 1 << 20)
            let header = request.headers[.authorization] ?? ""
            return await self.writeCheckRun(
                id: context.parameters.get("id", as: Int.self) ?? -1, header: header, body: Data(body.readableBytesView))
        }
    }

    private func writeCheckRun(id: Int?, header: String, body: Data) -> Response {
        guard isLiveInstallationToken(header) else {
            if header == "Bearer \(token)" {
                return Self.json(.forbidden, ["message": "You must authenticate via a GitHub App."])
            }
            return Self.json(.unauthorized, ["message": "Bad credentials"])
        }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return Self.json(.badRequest, ["message": "Problems parsing JSON"])
        }
        let name = object["name"] as? String ?? ""
        let headSHA = object["head_sha"] as? String ?? ""
        var run: FakeGitHubCheckRun
        if let id {
            guard let known = checkRuns[id] else { return Self.json(.notFound, ["message": "Not Found"]) }
            run = known
        } else {
            run = FakeGitHubCheckRun(id: nextCheckRunID(), name: name, headSHA: headSHA, status: "queued", transitions: [])
        }
        if id == nil, run.name.isEmpty || run.headSHA.count != 40 {
            return Self.json(.init(code: 422), ["message": "Invalid request.\n\n\"name\" and \"head_sha\" weren't supplied."])
        }
        if let status = object["status"] as? String {
            guard ["queued", "in_progress", "completed"].contains(status) else {
                return Self.json(.init(code: 422), ["message": "Invalid request.\n\nstatus is not included in the list"])
            }
            run.status = status
        }
        let conclusion = object["conclusion"] as? String
        if run.status == "completed" {
            guard let conclusion, ["success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required"].contains(conclusion)
            else { return Self.json(.init(code: 422), ["message": "Invalid request.\n\nconclusion is required when status is completed"]) }
            run.conclusion = conclusion
        }
        if let output = object["output"] as? [String: Any] {
            guard let title = output["title"] as? String, let summary = output["summary"] as? String else {
                return Self.json(.init(code: 422), ["message": "Invalid request.\n\n\"title\" and \"summary\" weren't supplied."])
            }
            guard summary.count <= 65_535 else {
                return Self.json(.init(code: 422), ["message": "Invalid request.\n\nOnly 65535 characters are allowed in summary."])
            }
            run.title = title
            run.summary = summary
        }
        if let url = object["details_url"] as? String { run.detailsURL = url }
        if let external = object["external_id"] as? String { run.externalID = external }
        if let actions = object["actions"] as? [[String: Any]] {
            for action in actions {
                guard let label = action["label"] as? String, label.count <= 20,
                    let description = action["description"] as? String, description.count <= 40,
                    let identifier = action["identifier"] as? String, identifier.count <= 20
                else { return Self.json(.init(code: 422), ["message": "Invalid request.\n\nactions: label, description or identifier is too long or missing"]) }
            }
            run.actions = actions.compactMap { $0["identifier"] as? String }
        }
        run.transitions.append(run.conclusion.map { "\(run.status)/\($0)" } ?? run.status)
        checkRuns[run.id] = run
        return Self.json(id == nil ? .created : .ok, ["id": run.id, "status": run.status, "name": run.name, "head_sha": run.headSHA])
    }

    private func nextCheckRunID() -> Int {
        (checkRuns.keys.max() ?? 9_000) + 1
    }
}
