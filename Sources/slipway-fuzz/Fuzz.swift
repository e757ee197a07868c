// The libFuzzer driver for SlipwayFuzzTargets (issue 13 §3). Built only by scripts/fuzz, with
// -sanitize=fuzzer,address (Package.swift declares it when SLIPWAY_FUZZ is set); not shipped.
//
//   SLIPWAY_FUZZ_TARGET=github .build/fuzz/debug/slipway-fuzz [libFuzzer flags] [corpus dirs]
//
// SwiftPM links an executable's entry point as `<module>_main`, and libFuzzer brings its own `main`;
// so this module has no top-level code (-parse-as-library) and `slipway_fuzz_main` hands the chosen
// target to `LLVMFuzzerRunDriver`.
import Foundation
import SlipwayFuzzTargets

nonisolated(unsafe) var selectedTarget = FuzzTarget.github

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    selectedTarget.run(Data(bytes: bytes, count: count))
    return 0
}

@_cdecl("slipway_fuzz_main")
public func slipwayFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    let name = ProcessInfo.processInfo.environment["SLIPWAY_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set SLIPWAY_FUZZ_TARGET to one of: \(names)\n".utf8))
        return 64
    }
    // scripts/fuzz first asks for the seeds, to start the corpus from real payload shapes.
    if let folder = ProcessInfo.processInfo.environment["SLIPWAY_FUZZ_WRITE_SEEDS"] {
        for (index, seed) in target.seeds.enumerated() {
            _ = FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: seed)
        }
        return 0
    }
    selectedTarget = target
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
