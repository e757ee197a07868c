import Foundation
package import SlipwayCore

extension ArtifactFetcher {
    /// Where CircleCI's API v2 is, the personal API token (`Circle-Token`), and the hosts artifact
    /// URLs may point at. The token goes with artifact downloads (private projects need it), so
    /// those URLs must be on the API host or one of `artifactHosts` (or a subdomain of one).
    package struct CircleCIAccess: Sendable {
        /// `https://circleci.com/api/v2`.
        package var apiURL: String
        package var token: Secret
        package var artifactHosts: [String]

        package init(apiURL: String = "https://circleci.com/api/v2", token: Secret, artifactHosts: [String] = ["circle-artifacts.com"]) {
            self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
            self.token = token
            self.artifactHosts = artifactHosts.map { $0.lowercased() }
        }
    }

    /// Lists the workflow's jobs (`GET /workflow/{id}/job`), then each job's artifacts
    /// (`GET /project/{slug}/{job_number}/artifacts`), named `JOB/PATH`; a pattern whose first segment
    /// is literal names the job, so only that job is listed. The first match is downloaded.
    func fetchCircleCIWorkflow(
        projectSlug: String, workflowID: String, selector: ArtifactSelector, into directory: URL, arrival: ArtifactArrival?
    )
        async throws(ArtifactFetchError) -> Artifact
    {
        guard let access = ci.circleci else {
            throw .unreadable("the workflow is from CircleCI, but sources.circleci (with a token) is not configured")
        }
        let headers = [("Circle-Token", access.token.revealed), ("Accept", "application/json")]
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct Page<Item: Decodable>: Decodable {
            var items: [Item]
            var nextPageToken: String?
        }
        struct Job: Decodable {
            var name: String
            var jobNumber: Int?
            var status: String?
        }
        struct Item: Decodable {
            var path: String
            var url: String
        }

        func pages<T: Decodable>(_ url: String, step: String, as type: T.Type) async throws(ArtifactFetchError) -> [T] {
            var all: [T] = []
            var token: String?
            repeat {
                let pageURL = url + (token.map { "?page-token=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")
                let data = try await getJSON(pageURL, step: step, headers: headers, hint: Self.circleCIHint)
                let page: Page<T>
                do {
                    page = try decoder.decode(Page<T>.self, from: data)
                } catch {
                    throw .unreadable("CircleCI's answer to \"\(step)\" is not the documented JSON")
                }
                all += page.items
                token = page.nextPageToken.flatMap { $0.isEmpty ? nil : $0 }
            } while token != nil && all.count < 2000
            return all
        }

        let jobs = try await pages("\(access.apiURL)/workflow/\(workflowID)/job", step: "list the jobs of CircleCI workflow", as: Job.self)
            .filter { $0.jobNumber != nil }
        let firstSegment = selector.pattern.pattern.split(separator: "/").first.map(String.init) ?? ""
        let literalJob = selector.pattern.pattern.contains("/") && !firstSegment.contains(where: { "*?{[".contains($0) })
            ? firstSegment : nil
        var seen: [String] = []
        for job in jobs.filter({ literalJob == nil || $0.name == literalJob }).sorted(by: { $0.name < $1.name }) {
            guard let number = job.jobNumber else { continue }
            let items = try await pages(
                "\(access.apiURL)/project/\(projectSlug)/\(number)/artifacts", step: "list the artifacts of CircleCI job \(job.name)",
                as: Item.self)
            seen += items.map { "\(job.name)/\($0.path)" }
            guard let item = items.sorted(by: { $0.path < $1.path }).first(where: { selector.accepts(name: "\(job.name)/\($0.path)") })
            else { continue }
            let name = "\(job.name)/\(item.path)"
            guard let url = URL(string: item.url), let host = url.host?.lowercased() else {
                throw .unreadable("CircleCI listed an artifact URL that is not a URL for \(name)")
            }
            let apiHost = URL(string: access.apiURL)?.host?.lowercased()
            guard host == apiHost || access.artifactHosts.contains(where: { host == $0 || host.hasSuffix("." + $0) }) else {
                throw .hostNotAllowed(host: host, setting: "sources.circleci.artifact_hosts")
            }
            guard let kind = ArtifactKind(fileName: item.path) else { throw .unreadable("\(item.path) is not an .apk or .aab") }
            let target = directory.appendingPathComponent(Self.safeFileName(item.path))
            let (size, sha256) = try await download(
                item.url, to: target, step: "download CircleCI artifact \(name)", authorized: true, headers: headers,
                hint: Self.circleCIHint, announcing: arrival.map { Announcement(arrival: $0, name: name, kind: kind) })
            return Artifact(path: target.path, name: name, kind: kind, size: size, sha256: sha256)
        }
        throw .noMatch(pattern: selector.description, available: seen)
    }

    @Sendable static func circleCIHint(status: Int) -> String? {
        switch status {
        case 401: "the personal API token in sources.circleci.token is invalid"
        case 403: "the token in sources.circleci.token cannot read this project"
        case 404: "the workflow, job or project was not found, or the token cannot see it"
        default: nil
        }
    }
}
