import Foundation
import Testing

@testable import SlipwayCore

@Suite("Secrets")
struct SecretTests {
    @Test func interpolationNeverShowsTheValue() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "Secret(<redacted>)")
        #expect(!"\([secret])".contains("hunter2"))
    }

    @Test func referencesResolveFromEnvironmentAndFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "  s3cret\n".write(to: folder.appendingPathComponent("token.txt"), atomically: true, encoding: .utf8)

        #expect(try SecretReference.environment("TOKEN").resolve(environment: ["TOKEN": "abc"], baseDirectory: nil).revealed == "abc")
        #expect(try SecretReference.file("token.txt").resolve(environment: [:], baseDirectory: folder).revealed == "s3cret")
        #expect(throws: SecretResolutionError.environmentVariableMissing("NOPE")) {
            try SecretReference.environment("NOPE").resolve(environment: [:], baseDirectory: nil)
        }
        #expect(SecretReference(parsing: "plain-value") == nil)
        #expect(SecretReference(parsing: "${BAD NAME}") == nil)
    }
}
