/// A path or branch pattern: `*` matches within one segment, `**` across segments (`**/` may match
/// nothing), `?` one character, `{a,b}` alternatives.
///
/// Written for the people who edit routing rules: the same meaning for branches (`release/*`,
/// `feature/**`), repositories (`acme/*`) and artifact paths (`**/*-release.apk`).
package struct Glob: Sendable, Hashable, CustomStringConvertible, Codable {
    package let pattern: String
    private let program: GlobProgram

    package enum SyntaxError: Error, Equatable, CustomStringConvertible {
        case empty
        case unbalancedBrace(String)
        case unopenedBrace(String)
        case nestedBrace(String)
        case tripleStar(String)
        case tooManyAlternatives(String, Int)

        package var description: String {
            switch self {
            case .empty: "an empty pattern matches nothing; remove it or write \"*\""
            case .unbalancedBrace(let p): "pattern \"\(p)\" has an unclosed \"{\": write alternatives as {a,b}"
            case .unopenedBrace(let p): "pattern \"\(p)\" has a \"}\" with no \"{\" before it: write alternatives as {a,b}"
            case .nestedBrace(let p): "pattern \"\(p)\" nests braces, which is not supported; list the alternatives flat"
            case .tripleStar(let p): "pattern \"\(p)\" has \"***\"; use \"**\" to match across folders"
            case .tooManyAlternatives(let p, let count):
                "pattern \"\(p)\" expands to \(count) alternatives; Slipway takes at most \(Glob.maxAlternatives): split it into several patterns"
            }
        }
    }

    package init(_ pattern: String) throws(SyntaxError) {
        guard !pattern.isEmpty else { throw .empty }
        // Checked scalar by scalar, as `GlobProgram` compiles it: a brace followed by a combining
        // mark is one `Character` but still a brace (found by the glob fuzz target).
        guard !Self.hasTripleStar(pattern) else { throw .tripleStar(pattern) }
        // Each {a,b,c} multiplies the alternatives a reader must keep in mind: refuse past the cap.
        var count = 1
        var options = 1
        var inBrace = false
        for scalar in pattern.unicodeScalars {
            switch scalar {
            case "{":
                if inBrace { throw .nestedBrace(pattern) }
                (inBrace, options) = (true, 1)
            case "," where inBrace: options += 1
            case "}":
                guard inBrace else { throw .unopenedBrace(pattern) }
                inBrace = false
                count = count.multipliedReportingOverflow(by: options).overflow ? Int.max : count * options
            default: break
            }
            if count > Self.maxAlternatives { throw .tooManyAlternatives(pattern, count) }
        }
        if inBrace { throw .unbalancedBrace(pattern) }
        self.pattern = pattern
        self.program = GlobProgram(pattern)
    }

    package var description: String { pattern }

    /// Brace alternatives a pattern may expand to (`{a,b}{c,d}` is four): far more than any rule needs.
    /// Matching no longer depends on it (`GlobProgram` runs every alternative in one pass), but a
    /// pattern past it is a mistake a rules file should hear about.
    package static let maxAlternatives = 256

    /// True when the pattern holds no wildcard, so it names exactly one value.
    package var isLiteral: Bool {
        !pattern.unicodeScalars.contains(where: { $0 == "*" || $0 == "?" || $0 == "{" })
    }

    private static func hasTripleStar(_ pattern: String) -> Bool {
        var run = 0
        for scalar in pattern.unicodeScalars {
            run = scalar == "*" ? run + 1 : 0
            if run == 3 { return true }
        }
        return false
    }

    package func matches(_ text: String) -> Bool {
        program.matches(text)
    }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(pattern)
    }
}

/// A list of globs where entries starting with `!` exclude: `["release/*", "!release/old-*"]`.
/// An empty include list means "any".
package struct GlobFilter: Sendable, Hashable, Codable {
    package var include: [Glob]
    package var exclude: [Glob]

    package init(include: [Glob] = [], exclude: [Glob] = []) {
        self.include = include
        self.exclude = exclude
    }

    package static let any = GlobFilter()

    package enum Verdict: Equatable {
        case matched(by: String?)
        case notIncluded
        case excluded(by: String)
    }

    /// True when `value` is included and not excluded (`evaluate` says why).
    package func accepts(_ value: String) -> Bool {
        if case .matched = evaluate(value) { return true }
        return false
    }

    package func evaluate(_ value: String) -> Verdict {
        if let excluded = exclude.first(where: { $0.matches(value) }) {
            return .excluded(by: "!" + excluded.pattern)
        }
        if include.isEmpty { return .matched(by: nil) }
        if let hit = include.first(where: { $0.matches(value) }) { return .matched(by: hit.pattern) }
        return .notIncluded
    }

    package var patterns: [String] {
        include.map(\.pattern) + exclude.map { "!" + $0.pattern }
    }
}
