package import Foundation
package import SlipwayCore

/// Asks one CI's API for the builds that finished recently, so builds whose webhook never arrived
/// can still be delivered. One per configured source with API credentials.
///
/// A lister turns each listed build into exactly the `BuildEvent` its webhook would have produced
/// (same build key, pull request, artifact source), usually by sharing the webhook adapter's
/// conversion, so the same rules route it and the job store's build-key uniqueness de-duplicates
/// it against the webhook both ways.
package protocol BuildLister: Sendable {
    var provider: BuildEvent.Provider { get }

    /// The repositories (projects, pipelines) the rules can match that this CI knows. Literal names
    /// are taken as written; a glob such as `acme/*` is expanded through the API (bounded, cached).
    func repositories(matching filters: [GlobFilter]) async -> RepositoryExpansion

    /// Builds of `repository` finished since `since`, newest first. With `etag`, an unchanged
    /// listing answers `notModified` (GitHub's conditional requests cost no rate limit).
    func finishedBuilds(in repository: String, since: Date, etag: String?) async throws(ListingError) -> BuildListing

    /// The full event of a listed build: some CIs need more calls (jobs, the merge request's
    /// branch, the commit) that are only worth making for builds not delivered yet.
    func completed(_ build: FoundBuild) async throws(ListingError) -> BuildEvent
}

/// What `repositories(matching:)` found, and what it could not look at (said to the operator).
package struct RepositoryExpansion: Sendable, Equatable {
    package var names: [String]
    package var notes: [String]

    package init(names: [String] = [], notes: [String] = []) {
        self.names = names
        self.notes = notes
    }
}

/// One finished build a listing returned.
package struct FoundBuild: Sendable, Equatable {
    /// The event as far as the listing tells it; `BuildLister.completed` fills in the rest.
    package var draft: BuildEvent
    /// When the build finished (or its listing entry last changed).
    package var finishedAt: Date
    /// True when the webhook adapter would deliver this state (GitLab only delivers `success`);
    /// other builds are listed for the count and skipped.
    package var deliverable: Bool

    package init(draft: BuildEvent, finishedAt: Date, deliverable: Bool = true) {
        self.draft = draft
        self.finishedAt = finishedAt
        self.deliverable = deliverable
    }

    package var buildKey: String { draft.buildKey }

    /// `run 4242 on feature/login` for reports.
    package var label: String {
        "\(draft.provider == .gitlab ? "pipeline" : "run") \(draft.buildID) on \(draft.branch ?? draft.tag ?? "?")"
    }
}

/// A listing of one repository's finished builds.
package struct BuildListing: Sendable, Equatable {
    package var builds: [FoundBuild]
    /// The validator to send next time (first page only).
    package var etag: String?
    /// The CI said the listing is unchanged since `etag`.
    package var notModified: Bool
    /// True when the listing stopped at Slipway's page limit; older builds were not looked at.
    package var truncated: Bool
    /// The listing used the last request of the CI's rate-limit window: ask again after this.
    package var exhaustedUntil: Date?

    package init(
        builds: [FoundBuild] = [], etag: String? = nil, notModified: Bool = false, truncated: Bool = false,
        exhaustedUntil: Date? = nil
    ) {
        self.builds = builds
        self.etag = etag
        self.notModified = notModified
        self.truncated = truncated
        self.exhaustedUntil = exhaustedUntil
    }
}

/// Why a listing failed, in words an operator can act on. Never carries a token.
package enum ListingError: Error, CustomStringConvertible, Equatable {
    /// The CI's rate limit is used up (or a secondary limit hit): ask this source again after `until`.
    case rateLimited(until: Date, message: String)
    /// The repository does not exist on this CI, or the credentials cannot see it.
    case notFound(step: String)
    case http(step: String, status: Int, message: String, hint: String?)
    case transport(step: String, reason: String)
    case unexpectedAnswer(step: String)
    case credentials(String)

    package var description: String {
        switch self {
        case .rateLimited(let until, let message):
            "rate limited until \(ISO8601DateFormatter().string(from: until)): \(message)"
        case .notFound(let step): "\(step): not found (no such repository, or the credentials cannot see it)"
        case .http(let step, let status, let message, let hint):
            "\(step): HTTP \(status): \(message)" + (hint.map { ". \($0)" } ?? "")
        case .transport(let step, let reason): "\(step): \(reason)"
        case .unexpectedAnswer(let step): "\(step): the answer is not the documented JSON"
        case .credentials(let reason): reason
        }
    }
}

/// Splits rule repository patterns into names to list directly and owners whose repositories must
/// be listed and matched.
package enum RepositoryPatterns {
    /// A pattern with no glob characters names one repository.
    package static func isLiteral(_ pattern: String) -> Bool {
        !pattern.contains { "*?[{".contains($0) }
    }

    /// The literal leading path segments (`acme` of `acme/*`, `group/sub` of `group/sub/app-*`), or
    /// nil when the first segment already has a wildcard.
    package static func literalPrefix(_ pattern: String) -> String? {
        let segments = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let literal = segments.prefix { isLiteral(String($0)) }
        guard !literal.isEmpty, literal.count < segments.count else { return nil }
        return literal.joined(separator: "/")
    }

    /// Expands the rules' repository filters through a CI's API, the one way every lister does:
    /// literal names as written, each literal prefix (`acme` of `acme/*`) through `list`, then
    /// only the names some filter wants. `nestedPrefixes`: whether a prefix may have several
    /// segments (GitLab subgroups); `everything`: the prefix to list for a filter without patterns
    /// (nil: say that such a rule cannot be reconciled). `noun` names the CI's repositories.
    package static func expand(
        isolation: isolated (any Actor)? = #isolation, _ filters: [GlobFilter], nestedPrefixes: Bool, everything: String?, noun: (one: String, owner: String),
        list: (String) async throws(ListingError) -> [String]
    ) async -> RepositoryExpansion {
        var names: [String] = []
        var notes: [String] = []
        var prefixes: [String] = []
        for filter in filters {
            if filter.include.isEmpty {
                if let everything {
                    prefixes.append(everything)
                } else {
                    notes.append("a rule matches every \(noun.one): name them (repo: \(noun.owner)/*) for reconciliation to know where to look")
                }
            }
            for glob in filter.include {
                if isLiteral(glob.pattern) {
                    names.append(glob.pattern)
                } else if let prefix = literalPrefix(glob.pattern), nestedPrefixes || !prefix.contains("/") {
                    prefixes.append(prefix)
                } else {
                    notes.append(
                        "\(noun.one) pattern \"\(glob.pattern)\" has no literal \(noun.owner); write it as \(noun.owner.uppercased())/NAME-GLOB to reconcile it")
                }
            }
        }
        for prefix in Set(prefixes).sorted() {
            do {
                names += try await list(prefix)
            } catch {
                notes.append("could not list the \(noun.one)s of \(prefix.isEmpty ? "the installation" : prefix): \(error)")
            }
        }
        return RepositoryExpansion(names: Set(names.filter { wanted($0, by: filters) }).sorted(), notes: notes)
    }

    /// Whether any of `filters` includes `name` and it is not excluded there.
    package static func wanted(_ name: String, by filters: [GlobFilter]) -> Bool {
        filters.contains { $0.accepts(name) }
    }
}
