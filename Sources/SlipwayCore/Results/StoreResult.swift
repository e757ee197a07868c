package import Foundation

/// What happened at one store for one build. Reporters render it into statuses, PR comments and
/// chat; the job store keeps it so a restart resumes where the delivery stopped.
package struct StoreResult: Codable, Sendable, Equatable {
    package enum State: String, Codable, Sendable {
        /// Planned, not started.
        case pending
        /// Upload under way.
        case running
        /// Accepted by the store; long states (review, approval) may still follow.
        case succeeded
        /// The store is still working on it (approval, processing); Slipway checks again later.
        case waiting
        /// Gave up; `failure` says why and what to do.
        case failed

        package var isFinal: Bool { self == .succeeded || self == .failed }
    }

    package var store: String
    package var storeType: StoreType
    package var state: State
    /// One short line for statuses: "uploaded", "failed: package not found".
    package var summary: String
    /// Links people click: the Play download URL, the Applivery redirect link.
    package var links: [Link]
    /// Facts worth showing: sha256, certificate fingerprint, version code.
    package var details: [Detail]
    package var failure: StoreFailure?
    package var updatedAt: Date

    package init(
        store: String, storeType: StoreType, state: State, summary: String, links: [Link] = [], details: [Detail] = [],
        failure: StoreFailure? = nil, updatedAt: Date = Date()
    ) {
        self.store = store
        self.storeType = storeType
        self.state = state
        self.summary = summary
        self.links = links
        self.details = details
        self.failure = failure
        self.updatedAt = updatedAt
    }

    package struct Link: Codable, Sendable, Equatable {
        package var title: String
        package var url: String
        package init(title: String, url: String) {
            self.title = title
            self.url = url
        }
    }

    package struct Detail: Codable, Sendable, Equatable {
        package var label: String
        package var value: String
        package init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }
}

/// Why a store delivery failed, written for the developer reading the PR comment.
package struct StoreFailure: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The step that failed ("get access token", "upload APK").
    package var step: String
    /// What the store said, secrets removed.
    package var message: String
    /// What the user can do about it.
    package var hint: String?
    /// HTTP status the store answered with, when there was one.
    package var httpStatus: Int?

    package init(step: String, message: String, hint: String? = nil, httpStatus: Int? = nil) {
        self.step = step
        self.message = message
        self.hint = hint
        self.httpStatus = httpStatus
    }

    package var description: String {
        var text = "\(step) failed"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        text += ": \(message)"
        if let hint { text += ". \(hint)" }
        return text
    }
}
