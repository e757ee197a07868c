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
}
