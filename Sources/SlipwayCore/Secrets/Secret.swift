/// A credential or signing key held in memory.
///
/// Its `description` is always redacted, so a `Secret` that ends up in string interpolation, a log
/// line, an error message or a PR comment never shows its value. Read the value with `revealed`,
/// only at the point where it goes on the wire.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, Codable {
    /// The clear-text value. Name the access so that it stands out in review.
    public let revealed: String

    public init(_ value: String) {
        self.revealed = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Secret(<redacted>)" }

    public init(from decoder: any Decoder) throws {
        self.revealed = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(revealed)
    }
}
