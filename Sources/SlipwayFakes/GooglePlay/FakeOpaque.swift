import Foundation

/// Random opaque identifiers of the kinds Google hands out (upload ids, install-link tokens).
enum FakeOpaque {
    private static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    static func base64URL(length: Int) -> String {
        String((0..<length).map { _ in base64URLAlphabet.randomElement()! })
    }

    static func hex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    static func digits(_ count: Int) -> String {
        String((0..<count).map { _ in "0123456789".randomElement()! })
    }
}
