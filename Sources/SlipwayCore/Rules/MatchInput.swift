/// The facts of a build that routing rules look at. `explain` builds one from command-line flags;
/// the server builds one from a `BuildEvent`.
package struct MatchInput: Sendable, Equatable {
    package var repository: String
    package var branch: String?
    package var tag: String?
    package var trigger: BuildEvent.Trigger
    package var pullRequest: Int?
    package var conclusion: BuildEvent.Conclusion

    package init(
        repository: String, branch: String?, tag: String? = nil, trigger: BuildEvent.Trigger, pullRequest: Int? = nil,
        conclusion: BuildEvent.Conclusion = .success
    ) {
        self.repository = repository
        self.branch = branch
        self.tag = tag
        self.trigger = trigger
        self.pullRequest = pullRequest
        self.conclusion = conclusion
    }
}
