import Foundation
import Logging
package import SlipwayCore
import ZIPFoundation

extension ArtifactFetcher {
    /// Where GitLab's API is and the token that reads job artifacts (scope `read_api`). Sent as
    /// `Authorization: Bearer`, which the HTTP client drops when GitLab redirects to its CDN.
    package struct GitLabAccess: Sendable {
        /// `https://gitlab.com/api/v4` or a self-managed instance's `/api/v4`.
        package var apiURL: String
        package var token: Secret

        package init(apiURL: String, token: Secret) {
            self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
            self.token = token
        }
    }

    /// Downloads each candidate job's artifacts zip (`GET /projects/:id/jobs/:job_id/artifacts`) and
    /// extracts the first entry the rule selects. Entries are named `JOB/PATH`; a pattern whose
    /// first segment is literal names the job, so only that job's zip is downloaded.
    ///
    /// Jobs come from the pipeline hook's `builds[]` (successful jobs only). The
    /// `/jobs/artifacts/:ref/download?job=` route is not used: it serves the latest pipeline of a
    /// branch, which may not be the pipeline that fired the hook.
    func fetchGitLabPipeline(
        project: String, pipelineID: Int64, jobs: [String: Int64], selector: ArtifactSelector, into directory: URL
    ) async throws(ArtifactFetchError) -> Artifact {
        guard let access = ci.gitlab else {
            throw .unreadable("pipeline \(pipelineID) is from GitLab, but sources.gitlab (with a token) is not configured")
        }
        let headers = [("Authorization", "Bearer \(access.token.revealed)")]
        let firstSegment = selector.pattern.pattern.split(separator: "/").first.map(String.init) ?? ""
        let literalJob = selector.pattern.pattern.contains("/") && !firstSegment.contains(where: { "*?{[".contains($0) })
            ? firstSegment : nil
        let candidates = jobs.filter { literalJob == nil || $0.key == literalJob }.sorted { $0.key < $1.key }
        var seen: [String] = jobs.keys.sorted()
        for (name, jobID) in candidates {
            let zipURL = directory.appendingPathComponent("gitlab-job-\(jobID).zip")
            defer { try? FileManager.default.removeItem(at: zipURL) }
            do {
                _ = try await download(
                    "\(access.apiURL)/projects/\(project)/jobs/\(jobID)/artifacts", to: zipURL,
                    step: "download the artifacts of GitLab job \(name)", authorized: true, headers: headers,
                    hint: Self.gitLabHint)
            } catch .http(_, 404, _, _) {
                // A job without artifacts (or with reports only) answers 404; look at the next one.
                continue
            }
            let archive: Archive
            do {
                archive = try Archive(url: zipURL, accessMode: .read, pathEncoding: nil)
            } catch {
                throw .unreadable("the artifacts of GitLab job \(name) are not a zip archive")
            }
            let entries = archive.filter { $0.type == .file }.sorted { $0.path < $1.path }
            seen.removeAll { $0 == name }
            seen += entries.map { "\(name)/\($0.path)" }
            let matches = entries.filter { selector.accepts(name: "\(name)/\($0.path)") }
            guard let entry = matches.first else { continue }
            if matches.count > 1 {
                logger.notice(
                    "several files match the rule's artifact pattern; taking the first",
                    metadata: ["taken": "\(name)/\(entry.path)", "others": "\(matches.dropFirst().map(\.path))"])
            }
            let target = directory.appendingPathComponent(Self.safeFileName(entry.path))
            return try extract(entry, from: archive, to: target, name: "\(name)/\(entry.path)")
        }
        throw .noMatch(pattern: selector.description, available: seen)
    }

    @Sendable static func gitLabHint(status: Int) -> String? {
        switch status {
        case 401: "the token in sources.gitlab.token is invalid or expired"
        case 403: "the token in sources.gitlab.token needs the read_api scope and at least Reporter access to the project"
        case 404: "the job has no artifacts, or the token cannot see the project"
        case 410: "the job's artifacts expired; re-run the pipeline"
        default: nil
        }
    }
}
