/// A path or branch pattern: `*` matches within one segment, `**` across segments (`**/` may match
/// nothing), `?` one character, `{a,b}` alternatives.
///
/// Written for the people who edit routing rules: the same meaning for branches (`release/*`,
/// `feature/**`), repositories (`acme/*`) and artifact paths (`**/*-release.apk`).
package struct Glob: Sendable, Hashable, CustomStringConvertible, Codable {
    package let pattern: String
    private let alternatives: [[Character]]

    package enum SyntaxError: Error, Equatable, CustomStringConvertible {
        case empty
        case unbalancedBrace(String)
        case nestedBrace(String)
        case tripleStar(String)
        case tooManyAlternatives(String, Int)

        package var description: String {
            switch self {
            case .empty: "an empty pattern matches nothing; remove it or write \"*\""
            case .unbalancedBrace(let p): "pattern \"\(p)\" has an unclosed \"{\": write alternatives as {a,b}"
            case .nestedBrace(let p): "pattern \"\(p)\" nests braces, which is not supported; list the alternatives flat"
            case .tripleStar(let p): "pattern \"\(p)\" has \"***\"; use \"**\" to match across folders"
            case .tooManyAlternatives(let p, let count):
                "pattern \"\(p)\" expands to \(count) alternatives; Slipway takes at most \(Glob.maxAlternatives): split it into several patterns"
            }
        }
    }

    package init(_ pattern: String) throws(SyntaxError) {
        guard !pattern.isEmpty else { throw .empty }
        guard !pattern.contains("***") else { throw .tripleStar(pattern) }
        // Each {a,b,c} multiplies the alternatives: refuse before expanding what would not fit.
        var count = 1
        var options = 1
        var inBrace = false
        for character in pattern {
            switch character {
            case "{": (inBrace, options) = (true, 1)
            case "," where inBrace: options += 1
            case "}" where inBrace:
                inBrace = false
                count = count.multipliedReportingOverflow(by: options).overflow ? Int.max : count * options
            default: break
            }
            if count > Self.maxAlternatives { throw .tooManyAlternatives(pattern, count) }
        }
        self.pattern = pattern
        self.alternatives = try Glob.expandBraces(pattern).map { Array($0) }
    }

    package var description: String { pattern }

    /// Brace alternatives a pattern may expand to (`{a,b}{c,d}` is four); far more than any rule needs,
    /// few enough that matching stays cheap whatever a pattern holds (found by the glob fuzz target).
    package static let maxAlternatives = 256

    /// True when the pattern holds no wildcard, so it names exactly one value.
    package var isLiteral: Bool {
        !pattern.contains(where: { "*?{".contains($0) })
    }

    package func matches(_ text: String) -> Bool {
        let chars = Array(text)
        return alternatives.contains { Glob.match($0[...], chars[...]) }
    }

    private static func expandBraces(_ pattern: String) throws(SyntaxError) -> [String] {
        guard let open = pattern.firstIndex(of: "{") else {
            if pattern.contains("}") { throw .unbalancedBrace(pattern) }
            return [pattern]
        }
        guard let close = pattern[open...].firstIndex(of: "}") else { throw .unbalancedBrace(pattern) }
        let inner = pattern[pattern.index(after: open)..<close]
        if inner.contains("{") { throw .nestedBrace(pattern) }
        let prefix = pattern[..<open]
        let rest = try expandBraces(String(pattern[pattern.index(after: close)...]))
        return inner.split(separator: ",", omittingEmptySubsequences: false).flatMap { option in
            rest.map { prefix + option + $0 }
        }
    }

    /// Whether pattern `p` matches all of `t`, by dynamic programming over (pattern position, text
    /// position): each pair is decided once, so the cost is |p|·|t| whatever the stars. (The first
    /// version backtracked, which a pattern of many `*`/`**` against a long text made exponential —
    /// found by the glob fuzz target.)
    private static func match(_ p: ArraySlice<Character>, _ t: ArraySlice<Character>) -> Bool {
        let p = Array(p)
        let t = Array(t)
        let width = t.count + 1
        // matches[i * width + j]: p[i...] matches t[j...]; anyFrom[i * width + j]: so does some t[k...], k ≥ j.
        var matches = [Bool](repeating: false, count: (p.count + 1) * width)
        var anyFrom = matches
        for i in stride(from: p.count, through: 0, by: -1) {
            let row = i * width
            for j in stride(from: t.count, through: 0, by: -1) {
                let result: Bool
                if i == p.count {
                    result = j == t.count
                } else if p[i] == "*", i + 1 < p.count, p[i + 1] == "*" {
                    // `**`: any run of characters, slashes included; `**/` may also match nothing.
                    let rest = i + 2
                    result = (rest < p.count && p[rest] == "/" && matches[(rest + 1) * width + j]) || anyFrom[rest * width + j]
                } else if p[i] == "*" {
                    // Within one segment: what follows matches here, or the star takes t[j] (not a slash).
                    result = matches[row + width + j] || (j < t.count && t[j] != "/" && matches[row + j + 1])
                } else if j == t.count {
                    result = false
                } else if p[i] == "?" {
                    result = t[j] != "/" && matches[row + width + j + 1]
                } else {
                    result = p[i] == t[j] && matches[row + width + j + 1]
                }
                matches[row + j] = result
                anyFrom[row + j] = result || (j < t.count && anyFrom[row + j + 1])
            }
        }
        return matches[0]
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
