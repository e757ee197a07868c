/// A glob compiled to a small automaton that runs every brace alternative in one pass over the text.
///
/// Why not expand `{a,b}{c,d}` and match each alternative: a pattern holding many braces made that
/// |alternatives| · |pattern| · |text| (found by the glob fuzz target as a slow unit); this costs
/// |pattern| · |text| whatever the braces and stars, and compares Unicode scalars rather than
/// `Character`s, whose equality goes through normalisation.
struct GlobProgram: Sendable, Hashable {
    private enum Step: Sendable, Hashable {
        /// Consumes exactly this scalar.
        case scalar(Unicode.Scalar)
        /// `?`: one scalar that is not a slash.
        case one
        /// `*`: stays here while consuming scalars that are not slashes, or moves on.
        case star
        /// Where `**` starts: moves on to its loop, or (`**/` matching nothing) past a slash that
        /// follows without consuming anything.
        case globstar(skips: [Int])
        /// `**`'s loop, the step after `.globstar`: stays here while consuming anything, or moves on.
        case globstarLoop
        /// `{`: moves on to the start of each alternative.
        case open(alternatives: [Int])
        /// `,` or `}` ending an alternative: moves on to what follows the braces.
        case endOfAlternative(next: Int)
    }

    private let steps: [Step]

    /// Compiles a pattern that `Glob.init` has already checked (braces balanced and not nested).
    init(_ pattern: String) {
        let scalars = Array(pattern.unicodeScalars)
        var steps: [Step] = []
        var openAt: Int?
        var alternativeStarts: [Int] = []
        var endsOfAlternatives: [Int] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*" where index + 1 < scalars.count && scalars[index + 1] == "*":
                steps.append(.globstar(skips: []))
                steps.append(.globstarLoop)
                index += 1
            case "*": steps.append(.star)
            case "?": steps.append(.one)
            case "{" where openAt == nil:
                openAt = steps.count
                steps.append(.open(alternatives: []))
                alternativeStarts = [steps.count]
            case "," where openAt != nil:
                endsOfAlternatives.append(steps.count)
                steps.append(.endOfAlternative(next: -1))
                alternativeStarts.append(steps.count)
            case "}" where openAt != nil:
                endsOfAlternatives.append(steps.count)
                steps.append(.endOfAlternative(next: -1))
                let next = steps.count
                for end in endsOfAlternatives { steps[end] = .endOfAlternative(next: next) }
                steps[openAt!] = .open(alternatives: alternativeStarts)
                (openAt, alternativeStarts, endsOfAlternatives) = (nil, [], [])
            default: steps.append(.scalar(scalar))
            }
            index += 1
        }
        // `**/` may match nothing: from each `**`, a slash reachable without consuming may be skipped.
        for position in steps.indices {
            guard case .globstar = steps[position] else { continue }
            let slashes = Self.consumingSteps(after: position + 2, in: steps).filter { steps[$0] == .scalar("/") }
            steps[position] = .globstar(skips: slashes.map { $0 + 1 })
        }
        self.steps = steps
    }

    /// Whether the whole of `text` matches.
    func matches(_ text: String) -> Bool {
        var current = StateSet(count: steps.count + 1)
        var next = StateSet(count: steps.count + 1)
        enter(steps.startIndex, into: &current)
        for scalar in text.unicodeScalars {
            next.removeAll()
            for position in current.members where position < steps.count {
                switch steps[position] {
                case .scalar(let expected) where expected == scalar: enter(position + 1, into: &next)
                case .one where scalar != "/": enter(position + 1, into: &next)
                case .star where scalar != "/": enter(position, into: &next)
                case .globstarLoop: enter(position, into: &next)
                default: break
                }
            }
            if next.members.isEmpty { return false }
            swap(&current, &next)
        }
        return current.contains(steps.count)
    }

    /// Adds `position` and everything reachable from it without consuming a scalar.
    private func enter(_ position: Int, into set: inout StateSet) {
        var pending = [position]
        while let position = pending.popLast() {
            guard set.insert(position), position < steps.count else { continue }
            switch steps[position] {
            case .star, .globstarLoop: pending.append(position + 1)
            case .globstar(let skips): pending.append(position + 1); pending.append(contentsOf: skips)
            case .open(let alternatives): pending.append(contentsOf: alternatives)
            case .endOfAlternative(let next): pending.append(next)
            case .scalar, .one: break
            }
        }
    }

    /// The steps that consume a scalar reached from `position` by moves that do not (used once, at
    /// compile time, to find the slashes a `**` may skip).
    private static func consumingSteps(after position: Int, in steps: [Step]) -> [Int] {
        var seen = Set<Int>()
        var found: [Int] = []
        var pending = [position]
        while let position = pending.popLast() {
            guard position < steps.count, seen.insert(position).inserted else { continue }
            switch steps[position] {
            case .scalar, .one: found.append(position)
            case .star, .globstarLoop: found.append(position); pending.append(position + 1)
            case .globstar: pending.append(position + 1)
            case .open(let alternatives): pending.append(contentsOf: alternatives)
            case .endOfAlternative(let next): pending.append(next)
            }
        }
        return found
    }
}

/// The automaton's current positions: a member list for iteration and a flag per position for
/// constant-time membership, both reused from scalar to scalar.
private struct StateSet {
    private var flags: [Bool]
    private(set) var members: [Int] = []

    init(count: Int) { flags = Array(repeating: false, count: count) }

    func contains(_ position: Int) -> Bool { flags[position] }

    mutating func insert(_ position: Int) -> Bool {
        if flags[position] { return false }
        flags[position] = true
        members.append(position)
        return true
    }

    mutating func removeAll() {
        for position in members { flags[position] = false }
        members.removeAll(keepingCapacity: true)
    }
}
