/// A report that could not be posted: which call, what the service said, and what to do. Never
/// contains the token.
package enum ReportError: Error, CustomStringConvertible, Equatable {
    case http(step: String, status: Int, message: String)
    case transport(step: String, reason: String)
    case unexpectedResponse(step: String)
    /// A chat or GitLab call refused by the service (`service` says which), with a hint written for
    /// that service. Kept apart from `.http`, whose hints speak of GitHub tokens.
    case service(name: String, step: String, status: Int, message: String, hint: String?)
    /// A template rendered something the service cannot take (not JSON, wrong shape): fix the file.
    case template(name: String, reason: String)

    package var description: String {
        switch self {
        case .http(let step, let status, let message):
            "\(step): HTTP \(status): \(message)" + (Self.hint(status).map { ". \($0)" } ?? "")
        case .transport(let step, let reason): "\(step): \(reason)"
        case .unexpectedResponse(let step): "\(step): the answer was not the documented JSON"
        case .service(let name, let step, let status, let message, let hint):
            "\(name): \(step): " + (status == 200 ? message : "HTTP \(status): \(message)") + (hint.map { ". \($0)" } ?? "")
        case .template(let name, let reason): "template \(name).mustache: \(reason)"
        }
    }

    package var isRetryable: Bool {
        switch self {
        case .http(_, let status, _): status == 429 || status >= 500
        case .transport: true
        case .unexpectedResponse: false
        case .service(_, _, let status, _, _): status == 429 || status >= 500
        case .template: false
        }
    }

    static func hint(_ status: Int) -> String? {
        switch status {
        case 401: "the GitHub token is invalid or expired"
        case 403: "the token needs Commit statuses: write and Pull requests: write"
        case 404: "the repository or pull request was not found, or the token cannot see it"
        default: nil
        }
    }
}
