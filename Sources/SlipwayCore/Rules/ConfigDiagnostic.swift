/// One problem found in a config file, pinned to where it is.
package struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    package var file: String
    package var line: Int
    package var message: String

    package init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, the shape editors and CI log viewers turn into links.
    package var description: String { "\(file):\(line): \(message)" }
}

/// Why a config file could not be loaded.
package enum ConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case invalid([ConfigDiagnostic])

    package var description: String {
        switch self {
        case .unreadable(let file, let reason):
            "\(file): cannot read the config file: \(reason)"
        case .invalid(let diagnostics):
            diagnostics.map(\.description).joined(separator: "\n")
        }
    }

    package var diagnostics: [ConfigDiagnostic] {
        if case .invalid(let list) = self { return list }
        return []
    }
}
