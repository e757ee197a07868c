/// A commit status as the fake GitHub stored it.
package struct FakeGitHubStatus: Sendable, Equatable {
    package var state: String
    package var context: String
    package var description: String?
    package var targetURL: String?
}

/// An issue/PR comment on the fake GitHub.
package struct FakeGitHubComment: Sendable, Equatable {
    package var id: Int
    package var author: String
    package var body: String
    /// How many times it was edited with PATCH.
    package var edits: Int
}

/// A scripted misbehaviour for the next matching API call.
package enum FakeGitHubFault: Sendable, Equatable {
    /// Answer with this status and GitHub's `{"message": …}` body.
    case status(Int, message: String = "Server Error")
    /// GitHub's secondary rate limit: 403 with `retry-after`.
    case secondaryRateLimit(retryAfterSeconds: Int)
    /// The primary limit used up: 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`.
    case rateLimitExhausted(resetInSeconds: Int)
    /// Wait, then answer normally.
    case delay(Duration)
}

/// Which API calls a fault applies to.
package enum FakeGitHubRoute: String, Sendable, Hashable {
    case listArtifacts, downloadArtifact, createStatus, listComments, createComment, updateComment, user
    case listRuns, listRepositories, contents, blob
}
