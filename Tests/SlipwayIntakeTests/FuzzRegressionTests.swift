import Foundation
import SlipwayFuzzTargets
import Testing

/// The fuzz targets' seeds and every crasher `scripts/fuzz` ever found (kept under
/// `FuzzCrashers/<target>/`), replayed through the same code in the normal suite: a crash here is a
/// regression. Seeds must reach the parsers behind the signature checks.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let crashers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzCrashers")

    @Test(arguments: FuzzTarget.allCases)
    func seedsReachTheParser(_ target: FuzzTarget) {
        #expect(!target.seeds.isEmpty)
        for seed in target.seeds {
            let outcome = target.run(seed)
            switch target {
            case .github, .gitlab, .bitrise, .buildkite, .circleci, .generic:
                #expect(outcome == "build", "a \(target) seed should become a build, got \(outcome)")
            default:
                #expect(outcome == "parsed", "a \(target) seed should parse, got \(outcome)")
            }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func keptCrashersNoLongerCrash(_ target: FuzzTarget) throws {
        let folder = Self.crashers.appendingPathComponent(target.rawValue)
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        for file in files where !file.lastPathComponent.hasPrefix(".") {
            _ = target.run(try Data(contentsOf: file))
        }
    }
}
