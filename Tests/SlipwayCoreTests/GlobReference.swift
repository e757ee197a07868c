/// The first correct matcher, kept as the oracle for `GlobProgram`: expand the braces, then decide
/// each alternative by dynamic programming over (pattern position, text position). Slow for many
/// braces, simple to check by eye.
enum GlobReference {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        // Scalars, as the automaton reads them; `**` becomes one scalar first, so stars that
        // expansion puts side by side (`{*,}*`) stay two single stars, as they are to a reader.
        var tokens: [Unicode.Scalar] = []
        for scalar in pattern.unicodeScalars {
            if scalar == "*", tokens.last == "*" { tokens[tokens.count - 1] = globstar } else { tokens.append(scalar) }
        }
        return expand(tokens[...]).contains { match($0, Array(text.unicodeScalars)) }
    }

    private static let globstar: Unicode.Scalar = "\u{E000}"

    private static func expand(_ pattern: ArraySlice<Unicode.Scalar>) -> [[Unicode.Scalar]] {
        guard let open = pattern.firstIndex(of: "{"), let close = pattern[open...].firstIndex(of: "}") else { return [Array(pattern)] }
        let inner = pattern[(open + 1)..<close]
        let rest = expand(pattern[(close + 1)...])
        return inner.split(separator: ",", omittingEmptySubsequences: false).flatMap { option in
            rest.map { Array(pattern[..<open]) + Array(option) + $0 }
        }
    }

    private static func match(_ p: [Unicode.Scalar], _ t: [Unicode.Scalar]) -> Bool {
        let width = t.count + 1
        var matches = [Bool](repeating: false, count: (p.count + 1) * width)
        var anyFrom = matches
        for i in stride(from: p.count, through: 0, by: -1) {
            let row = i * width
            for j in stride(from: t.count, through: 0, by: -1) {
                let result: Bool
                if i == p.count {
                    result = j == t.count
                } else if p[i] == "\u{E000}" {
                    let rest = i + 1
                    result = (rest < p.count && p[rest] == "/" && matches[(rest + 1) * width + j]) || anyFrom[rest * width + j]
                } else if p[i] == "*" {
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
}
