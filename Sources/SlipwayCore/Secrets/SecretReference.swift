package import Foundation

/// Where a secret comes from: an environment variable (`${NAME}`) or a file (`file:/path`).
///
/// Config files never hold secrets inline; they hold references that are resolved when the server
/// starts (or when `deliver` runs), so the file itself can be committed and reviewed.
package enum SecretReference: Sendable, Hashable, Codable, CustomStringConvertible {
    case environment(String)
    case file(String)

    /// Parses `${NAME}` or `file:PATH`. Returns nil for anything else (an inline value).
    package init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("${"), trimmed.hasSuffix("}") {
            let name = String(trimmed.dropFirst(2).dropLast())
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            self = .environment(name)
        } else if trimmed.hasPrefix("file:") {
            let path = String(trimmed.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .file(path)
        } else {
            return nil
        }
    }

    package var description: String {
        switch self {
        case .environment(let name): "${\(name)}"
        case .file(let path): "file:\(path)"
        }
    }

    /// Reads the secret. `baseDirectory` anchors relative `file:` paths (the config file's folder).
    package func resolve(environment: [String: String], baseDirectory: URL?) throws(SecretResolutionError) -> Secret {
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw .environmentVariableMissing(name)
            }
            return Secret(value)
        case .file(let path):
            let url: URL
            if path.hasPrefix("/") || baseDirectory == nil {
                url = URL(fileURLWithPath: path)
            } else {
                url = baseDirectory!.appendingPathComponent(path)
            }
            guard let data = FileManager.default.contents(atPath: url.path),
                let text = String(data: data, encoding: .utf8)
            else {
                throw .fileUnreadable(url.path)
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw .fileEmpty(url.path) }
            return Secret(value)
        }
    }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = SecretReference(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a secret reference"))
        }
        self = parsed
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a secret reference could not be read. Never contains the secret itself.
package enum SecretResolutionError: Error, Equatable, CustomStringConvertible {
    case environmentVariableMissing(String)
    case fileUnreadable(String)
    case fileEmpty(String)

    package var description: String {
        switch self {
        case .environmentVariableMissing(let name):
            "environment variable \(name) is not set (the config refers to it as ${\(name)})"
        case .fileUnreadable(let path):
            "secret file \(path) cannot be read: check the path and that the slipway user may read it"
        case .fileEmpty(let path):
            "secret file \(path) is empty"
        }
    }
}
