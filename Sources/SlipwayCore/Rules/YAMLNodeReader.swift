import Yams

/// Reads a composed YAML tree field by field, collecting every problem with its line instead of
/// stopping at the first: `slipway validate` reports all of them at once.
struct YAMLNodeReader {
    let file: String
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    mutating func error(_ node: Node?, _ message: String) {
        diagnostics.append(ConfigDiagnostic(file: file, line: node?.mark?.line ?? 1, message: message))
    }

    mutating func error(line: Int, _ message: String) {
        diagnostics.append(ConfigDiagnostic(file: file, line: line, message: message))
    }

    /// A mapping's entries with string keys, after checking every key is one of `allowed`.
    mutating func entries(_ node: Node, in what: String, allowed: [String]) -> [String: (key: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping of keys to values, not \(describe(node))")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                error(key, "\(what) has a key that is not text")
                continue
            }
            if !allowed.contains(name) {
                var message = "unknown key \"\(name)\" in \(what)"
                if let suggestion = closest(to: name, in: allowed) {
                    message += " (did you mean \"\(suggestion)\"?)"
                } else {
                    message += "; allowed keys: \(allowed.joined(separator: ", "))"
                }
                error(key, message)
                continue
            }
            if result[name] != nil {
                error(key, "\"\(name)\" appears twice in \(what)")
                continue
            }
            result[name] = (key, value)
        }
        return result
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be text, not \(describe(node))")
            return nil
        }
        if scalar.string.isEmpty && scalar.style == .plain {
            error(node, "\(what) is empty")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar = node, let value = node.int else {
            error(node, "\(what) must be a whole number, not \(describe(node))")
            return nil
        }
        guard range.contains(value) else {
            error(node, "\(what) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard case .scalar = node, let value = node.bool else {
            error(node, "\(what) must be true or false, not \(describe(node))")
            return nil
        }
        return value
    }

    /// A list of text values; a single scalar counts as a one-element list.
    mutating func stringList(_ node: Node, _ what: String) -> [(String, Node)]? {
        switch node {
        case .scalar:
            return string(node, what).map { [($0, node)] }
        case .sequence(let sequence):
            var values: [(String, Node)] = []
            for item in sequence {
                if let value = string(item, "each entry of \(what)") { values.append((value, item)) }
            }
            return values
        default:
            error(node, "\(what) must be a list, not \(describe(node))")
            return nil
        }
    }

    mutating func secretReference(_ node: Node, _ what: String) -> SecretReference? {
        guard let text = string(node, what) else { return nil }
        guard let reference = SecretReference(parsing: text) else {
            error(
                node,
                "\(what) must refer to a secret, not hold it: write ${ENV_NAME} or file:/path/to/secret")
            return nil
        }
        return reference
    }

    mutating func url(_ node: Node, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), text.count > 8, !text.contains(" ") else {
            error(node, "\(what) must be an http:// or https:// URL, not \"\(text)\"")
            return nil
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    mutating func globFilter(_ node: Node, _ what: String) -> GlobFilter? {
        guard let values = stringList(node, what) else { return nil }
        var filter = GlobFilter()
        for (value, item) in values {
            let negated = value.hasPrefix("!")
            let text = negated ? String(value.dropFirst()) : value
            do {
                let glob = try Glob(text)
                if negated { filter.exclude.append(glob) } else { filter.include.append(glob) }
            } catch {
                self.error(item, "bad pattern in \(what): \(error)")
            }
        }
        return filter
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The allowed word nearest to a mistyped one, if it is close enough to be a typo.
    func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
