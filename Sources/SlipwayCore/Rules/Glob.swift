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

        package var description: String {
            switch self {
            case .empty: "an empty pattern matches nothing; remove it or write \"*\""
            case .unbalancedBrace(let p): "pattern \"\(p)\" has an unclosed \"{\": write alternatives as {a,b}"
            case .nestedBrace(let p): "pattern \"\(p)\" nests braces, which is not supported; list the alternatives flat"
            case .tripleStar(let p): "pattern \"\(p)\" has \"***\"; use \"**\" to match across folders"
            }
        }
    }

    package init(_ pattern: String) throws(SyntaxError) {
        guard !pattern.isEmpty else { throw .empty }
        guard !pattern.contains("***") else { throw .tripleStar(pattern) }
        self.pattern = pattern
        self.alternatives = try Glob.expandBraces(pattern).map { Array($0) }
    }

    package var description: String { pattern }

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

    private static func match(_ p: ArraySlice<Character>, _ t: ArraySlice<Character>) -> Bool {
        guard let first = p.first else { return t.isEmpty }
        if first == "*" {
            let afterStar = p.dropFirst()
            if afterStar.first == "*" {
                // `**`: any run of characters, slashes included; `**/` may also match nothing.
                var rest = afterStar.dropFirst()
                if rest.first == "/" {
                    if match(rest.dropFirst(), t) { return true }
                    rest = afterStar.dropFirst()
                }
                var index = t.startIndex
                while true {
                    if match(rest, t[index...]) { return true }
                    if index == t.endIndex { return false }
                    index = t.index(after: index)
                }
            }
            var index = t.startIndex
            while true {
                if match(afterStar, t[index...]) { return true }
                if index == t.endIndex || t[index] == "/" { return false }
                index = t.index(after: index)
            }
        }
        guard let c = t.first else { return false }
        if first == "?" {
            return c != "/" && match(p.dropFirst(), t.dropFirst())
        }
        return first == c && match(p.dropFirst(), t.dropFirst())
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
