/// GitHub's commit status states.
package enum CommitState: String, Sendable, Equatable {
    case pending, success, failure, error
}
