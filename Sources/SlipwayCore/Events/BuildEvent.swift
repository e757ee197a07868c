package import Foundation

/// A CI system's "build finished" notification, normalised across CI providers.
///
/// Intake adapters build it from a verified webhook; the router matches it against the rules; the
/// worker reads it back from the job store. It carries no HTTP types.
package struct BuildEvent: Codable, Sendable, Equatable {
    package enum Provider: String, Codable, Sendable, CaseIterable {
        case github, gitlab, bitrise, buildkite, circleci, generic
    }

    /// What made the build run. Rules filter on it (`events: [push, pull_request, tag]`).
    package enum Trigger: String, Codable, Sendable, CaseIterable {
        case push
        case pullRequest = "pull_request"
        case tag
    }

    /// The build's outcome. Only `success` builds are delivered unless a rule says otherwise.
    package enum Conclusion: String, Codable, Sendable, CaseIterable {
        case success, failure, cancelled, skipped, other
    }

    package var provider: Provider
    /// `owner/name` (GitHub) or the project path (`group/sub/project` on GitLab).
    package var repository: String
    package var branch: String?
    package var tag: String?
    package var sha: String
    package var trigger: Trigger
    package var pullRequest: Int?
    package var conclusion: Conclusion
    /// The CI's own id for the build (GitHub run id, GitLab pipeline id, …).
    package var buildID: String
    /// Re-runs of the same build id get a new attempt number; each attempt is its own build.
    package var attempt: Int
    package var buildURL: String?
    package var artifactSource: ArtifactSource
    package var commitMessage: String?
    package var commitTimestamp: Date?
    /// The artifact's sha256 as the sender declared it (lowercase hex; the generic hook's
    /// `artifact_sha256`): a download that differs is never delivered.
    package var artifactSHA256: String?
    /// For a pull/merge request build, the branch it would merge into (`main`): what a change to
    /// the repository's rules file is compared against.
    package var baseBranch: String?

    package init(
        provider: Provider, repository: String, branch: String?, tag: String? = nil, sha: String,
        trigger: Trigger, pullRequest: Int? = nil, conclusion: Conclusion, buildID: String, attempt: Int = 1,
        buildURL: String? = nil, artifactSource: ArtifactSource, commitMessage: String? = nil,
        commitTimestamp: Date? = nil, artifactSHA256: String? = nil
    ) {
        self.provider = provider
        self.repository = repository
        self.branch = branch
        self.tag = tag
        self.sha = sha
        self.trigger = trigger
        self.pullRequest = pullRequest
        self.conclusion = conclusion
        self.buildID = buildID
        self.attempt = attempt
        self.buildURL = buildURL
        self.artifactSource = artifactSource
        self.commitMessage = commitMessage
        self.commitTimestamp = commitTimestamp
        self.artifactSHA256 = artifactSHA256
    }

    /// Identifies this build across re-deliveries of its webhook, so one build is never delivered twice.
    package var buildKey: String {
        "\(provider.rawValue):\(repository)#\(buildID).\(attempt)"
    }

    /// What the rules match on.
    package var matchInput: MatchInput {
        MatchInput(
            repository: repository, branch: branch, tag: tag, trigger: trigger, pullRequest: pullRequest,
            conclusion: conclusion)
    }
}

/// Where the worker finds a build's artifacts. Resolved lazily in the job, never in the webhook
/// handler: CI download links are short-lived.
package enum ArtifactSource: Codable, Sendable, Equatable {
    /// The artifacts of a GitHub Actions run, listed and downloaded through the REST API as zip archives.
    case githubRun(repository: String, runID: Int64)
    /// A direct download URL (the generic hook, or any CI that hosts the file itself).
    case url(String)
    /// A file already on this machine (`slipway deliver --artifact PATH`).
    case localFile(String)
    /// A GitLab pipeline's job artifacts (one zip per job). `project` is the numeric project id the
    /// API takes; `jobs` maps each job name of the pipeline hook's `builds[]` to its job id.
    case gitlabPipeline(project: String, pipelineID: Int64, jobs: [String: Int64])
    /// A Bitrise build's artifacts, listed and resolved to 10-minute download URLs through the API.
    case bitriseBuild(app: String, slug: String)
    /// A Buildkite build's artifacts, listed through the REST API and downloaded one by one.
    case buildkiteBuild(organization: String, pipeline: String, number: Int)
    /// A CircleCI workflow's artifacts: its jobs are listed, then each job's artifacts (API v2).
    case circleciWorkflow(projectSlug: String, workflowID: String)
}
