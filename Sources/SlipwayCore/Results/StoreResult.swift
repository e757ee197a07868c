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
    /// What the store's client needs to check a `.waiting` result again (an upload id, a build id),
    /// or, while `.running`, to continue an upload the store already has a record of (a
    /// `StoreCheckpoint`: Product Science's build and its short-lived signed upload URL). Never shown
    /// to people; kept only in the job store.
    package var resumeData: [String: String]

    package init(
        store: String, storeType: StoreType, state: State, summary: String, links: [Link] = [], details: [Detail] = [],
        failure: StoreFailure? = nil, updatedAt: Date = Date(), resumeData: [String: String] = [:]
    ) {
        self.resumeData = resumeData
        self.store = store
        self.storeType = storeType
        self.state = state
        self.summary = summary
        self.links = links
        self.details = details
        self.failure = failure
        self.updatedAt = updatedAt
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        store = try container.decode(String.self, forKey: .store)
        storeType = try container.decode(StoreType.self, forKey: .storeType)
        state = try container.decode(State.self, forKey: .state)
        summary = try container.decode(String.self, forKey: .summary)
        links = try container.decodeIfPresent([Link].self, forKey: .links) ?? []
        details = try container.decodeIfPresent([Detail].self, forKey: .details) ?? []
        failure = try container.decodeIfPresent(StoreFailure.self, forKey: .failure)
        updatedAt = try container.decode(Date.self, forKey: .updatedAt)
        resumeData = try container.decodeIfPresent([String: String].self, forKey: .resumeData) ?? [:]
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
