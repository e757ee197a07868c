package import Foundation
import Mustache

/// Renders report bodies (PR comments, status lines) from the Mustache templates a team keeps in
/// `templates/`, so wording and layout change without a rebuild.
///
/// All templates in the folder are parsed when the renderer is made, so a broken template stops
/// `slipway validate` and `slipway serve` at start-up with its file and line — not the first
/// delivery that needs it.
package struct TemplateRenderer: Sendable {
    package let directory: URL
    private let library: MustacheLibrary

    package init(directory: URL) async throws(TemplateError) {
        self.directory = directory
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw .directoryMissing(directory.path)
        }
        do {
            library = try await MustacheLibrary(directory: directory.path)
        } catch let error as MustacheLibrary.ParserError {
            throw .syntax(
                file: error.filename, line: error.context.lineNumber, column: error.context.columnNumber,
                reason: "\(error.error)")
        } catch {
            throw .directoryMissing("\(directory.path) (\(error))")
        }
    }

    /// Renders template `name` (file `name.mustache`) with `context`'s properties.
    package func render(_ name: String, _ context: Any) throws(TemplateError) -> String {
        guard library.getTemplate(named: name) != nil else {
            throw .missing(name: name, directory: directory.path)
        }
        return library.render(context, withTemplate: name) ?? ""
    }

    /// Renders template `name` as one line: line breaks and runs of spaces collapse to one space
    /// and the ends are trimmed, so a template may be laid out over several lines (a commit status
    /// description or a chat preview must be a single line).
    package func renderLine(_ name: String, _ context: Any) throws(TemplateError) -> String {
        try render(name, context).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Whether the folder has template `name` (optional templates fall back to built-in text).
    package func has(_ name: String) -> Bool {
        library.getTemplate(named: name) != nil
    }
}

/// A template problem, with the file and line to fix.
package enum TemplateError: Error, CustomStringConvertible, Equatable {
    case directoryMissing(String)
    case missing(name: String, directory: String)
    case syntax(file: String, line: Int, column: Int, reason: String)

    package var description: String {
        switch self {
        case .directoryMissing(let path):
            "templates folder \(path) does not exist: copy templates/ from the Slipway repository or set server.templates"
        case .missing(let name, let directory):
            "template \(name).mustache is not in \(directory)"
        case .syntax(let file, let line, let column, let reason):
            "\(file):\(line): template syntax error at column \(column): \(reason)"
        }
    }
}

/// Where the templates folder is: `explicit` (server.templates, relative to the config file), then
/// `$SLIPWAY_TEMPLATES`, then `templates/` next to the config file, then `templates/` in the working
/// directory, then `/usr/share/slipway/templates`. Nil when none exists.
package func locateTemplatesDirectory(explicit: String?, configDirectory: URL?) -> URL? {
    var candidates: [URL] = []
    if let explicit {
        candidates.append(
            explicit.hasPrefix("/") || configDirectory == nil
                ? URL(fileURLWithPath: explicit) : configDirectory!.appendingPathComponent(explicit))
        return candidates.first
    }
    if let fromEnvironment = ProcessInfo.processInfo.environment["SLIPWAY_TEMPLATES"], !fromEnvironment.isEmpty {
        candidates.append(URL(fileURLWithPath: fromEnvironment))
    }
    if let configDirectory { candidates.append(configDirectory.appendingPathComponent("templates")) }
    candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("templates"))
    candidates.append(URL(fileURLWithPath: "/usr/share/slipway/templates"))
    return candidates.first { url in
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
