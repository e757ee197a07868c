import SlipwayFakes
import Testing

@testable import SlipwayCore

@Suite("Glob patterns")
struct GlobTests {
    @Test(arguments: [
        ("release/*", "release/1.2", true),
        ("release/*", "release/1.2/hotfix", false),
        ("feature/**", "feature/a/b/c", true),
        ("feature/**", "feature", false),
        ("**/*.apk", "app.apk", true),
        ("**/*.apk", "app-release/outputs/app.apk", true),
        ("**/*.apk", "app.aab", false),
        ("**/*.{apk,aab}", "dist/app.aab", true),
        ("v?.*", "v1.2", true),
        ("v?.*", "v12.2", false),
        ("main", "main", true),
        ("main", "maintenance", false),
        ("acme/*", "acme/app", true),
        ("acme/*", "other/app", false),
        ("app-*/**/*-release.apk", "app-prod/build/x-release.apk", true),
    ])
    func matches(pattern: String, text: String, expected: Bool) throws {
        #expect(try Glob(pattern).matches(text) == expected)
    }

    @Test func rejectsBadPatterns() {
        #expect(throws: Glob.SyntaxError.self) { try Glob("release/{a,b") }
        #expect(throws: Glob.SyntaxError.self) { try Glob("") }
        #expect(throws: Glob.SyntaxError.self) { try Glob("a/***/b") }
        #expect(throws: Glob.SyntaxError.self) { try Glob("{a,{b,c}}") }
        #expect(throws: Glob.SyntaxError.unopenedBrace("a}{b}")) { try Glob("a}{b}") }
        // A brace with a combining mark after it is one Character but still a brace.
        #expect(throws: Glob.SyntaxError.unbalancedBrace("?{\u{5C2}**")) { try Glob("?{\u{5C2}**") }
    }

    @Test func negationExcludesEvenWhenIncluded() throws {
        let filter = GlobFilter(include: [try Glob("release/*")], exclude: [try Glob("release/old-*")])
        #expect(filter.evaluate("release/2.0") == .matched(by: "release/*"))
        #expect(filter.evaluate("release/old-1") == .excluded(by: "!release/old-*"))
        #expect(filter.evaluate("main") == .notIncluded)
        #expect(GlobFilter.any.evaluate("anything") == .matched(by: nil))
    }

    @Test func patternsExpandingToTooManyAlternativesAreRefusedAndManyStarsStayCheap() throws {
        #expect(throws: Glob.SyntaxError.tooManyAlternatives("{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b}", 512)) {
            try Glob("{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b}")
        }
        #expect(try Glob("{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}").matches("abcd"))
        // Backtracking made this exponential; by dynamic programming it is |pattern|·|text|.
        let stars = String(repeating: "*?**/", count: 40) + "x"
        #expect(try !Glob(stars).matches(String(repeating: "ab/", count: 60) + "y"))
        #expect(try Glob("**/*-release.apk").matches("app/build/outputs/apk/release/app-release.apk"))
    }

    /// The automaton against the expand-then-decide oracle on many small random patterns and texts
    /// over the characters that mean something (seeded, so a failure replays).
    @Test func automatonAgreesWithTheExpandingMatcher() throws {
        var generator = SeededGenerator(seed: 2026)
        // A combining mark too: it joins the character before it, but the braces and stars stay what they are.
        let patternAlphabet = Array("ab/*?{},.") + ["\u{301}"]
        let textAlphabet = Array("ab/.")
        var checked = 0
        while checked < 20_000 {
            let pattern = String((0..<Int.random(in: 1...10, using: &generator)).map { _ in patternAlphabet.randomElement(using: &generator)! })
            guard let glob = try? Glob(pattern) else { continue }
            for _ in 0..<4 {
                let text = String((0..<Int.random(in: 0...8, using: &generator)).map { _ in textAlphabet.randomElement(using: &generator)! })
                #expect(glob.matches(text) == GlobReference.matches(pattern, text), "pattern \(pattern) against \(text)")
            }
            checked += 1
        }
    }

    @Test func bracesAfterADoubleStarMaySkipTheirSlash() throws {
        #expect(try Glob("**{/a,b}").matches("a"))
        #expect(try Glob("**{/a,b}").matches("x/a"))
        #expect(try Glob("{**,x}/a").matches("a"))
        #expect(try !Glob("**{/a,b}").matches("x/c"))
    }
}
