import Foundation
import SlipwayFakes
import Testing

/// The dashboard, its login and its buttons in a real browser: headless Chromium driven by
/// `scripts/browser_check.py` (Selenium). CI installs Chromium and runs it; a machine without
/// Chromium skips it, and says so.
@Suite("Dashboard in headless Chromium")
struct BrowserTests {
    static let tools = ["/usr/bin/chromium", "/usr/bin/chromedriver"]
    static var available: Bool {
        tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) } && seleniumImports
    }
    static var seleniumImports: Bool {
        (try? run(["python3", "-c", "import selenium"]).status) == 0
    }
    /// CI must not skip it silently: there a missing browser fails the test.
    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: available || required, "Chromium, chromium-driver or selenium is not installed (.ci/run installs them)"))
    func signInReadADeliveryAndSignOutInChromium() async throws {
        #expect(Self.available, "CI must have Chromium, chromium-driver and selenium")
        try await TestWorld.with { world in
            try await world.withServer { server in
                let runID = await world.addRun(apk: TestWorld.fakeAPK(seed: 21))
                let answer = try await world.postGitHub(server, body: TestWorld.workflowRunBody(runID: runID, pr: 11))
                let id = try #require(answer.json["delivery_id"] as? String)
                let delivery = try await world.waitForDelivery(server, id: id)
                #expect(delivery["state"] as? String == "done")
                let link = try #require(await world.play.uploads(of: TestWorld.packageName).first?.downloadURL)
                let script = TestWorld.repositoryRoot.appendingPathComponent("scripts/browser_check.py").path
                let screenshot = world.folder.appendingPathComponent("delivery.png").path
                let (status, output) = try await Task.detached {
                    try Self.run([
                        "python3", script, "--url", server, "--token", TestWorld.apiToken, "--delivery", id, "--link", link,
                        "--screenshot", screenshot,
                    ])
                }.value
                print(output)
                #expect(status == 0, "\(output)")
                #expect(output.contains(" 0 failed"))
                #expect(!output.contains("FAIL"))
                #expect(FileManager.default.fileExists(atPath: screenshot))
            }
        }
    }
}
