package import Foundation
package import Logging
import Mustache

/// Renders report bodies (PR comments, status lines, chat messages) from Mustache templates.
///
/// The defaults are compiled in (`BuiltInTemplates`, generated from `templates/`), so a report is
/// never empty for want of a folder. A team's folder overrides them file by file; a name it does
/// not have falls back to the built-in one. An override that does not parse is either an error
/// (`strict`, as `slipway validate` wants) or skipped with a warning naming its file and line (as
/// `slipway serve` wants: a typo in one file must not stop deliveries). An override that renders
/// nothing but blanks falls back to the built-in template, with a warning.
package struct TemplateRenderer: Sendable {
    /// The override folder, nil when only the built-in templates are used.
    package let directory: URL?
    /// Problems with overrides that were skipped (empty unless some override is broken).
    package let warnings: [String]
    private let library: MustacheLibrary
    private let builtIns: MustacheLibrary
    private let overridden: Set<String>
    private let logger: Logger?

    /// - Parameters:
    ///   - directory: a folder of `NAME.mustache` overrides, or nil for the built-in templates only.
    ///   - strict: throw on an override that does not parse, instead of skipping it with a warning.
    package init(directory: URL? = nil, strict: Bool = false, logger: Logger? = nil) async throws(TemplateError) {
        var builtIns = MustacheLibrary()
        for (name, text) in BuiltInTemplates.all {
            // A test parses every built-in template; one that does not parse never ships.
            if let template = try? MustacheTemplate(string: text) { builtIns.register(template, named: name) }
        }
        var library = builtIns
        var overridden: Set<String> = []
        var warnings: [String] = []
        if let directory {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .directoryMissing(directory.path)
            }
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                .filter { $0.hasSuffix(".mustache") }.sorted()
            for file in files {
                let path = directory.appendingPathComponent(file).path
                let name = String(file.dropLast(".mustache".count))
                do {
                    let text = try String(contentsOfFile: path, encoding: .utf8)
                    library.register(try MustacheTemplate(string: text), named: name)
                    overridden.insert(name)
                } catch let error as MustacheTemplate.ParserError {
                    let problem = TemplateError.syntax(
                        file: path, line: error.context.lineNumber, column: error.context.columnNumber,
                        reason: "\(error.error)")
                    if strict { throw problem }
                    warnings.append("\(problem); the built-in \(name) template is used instead")
                } catch {
                    if strict { throw .unreadable(path) }
                    warnings.append("\(path) cannot be read; the built-in \(name) template is used instead")
                }
            }
        }
        for warning in warnings { logger?.warning("template override skipped", metadata: ["problem": "\(warning)"]) }
        self.directory = directory
        self.library = library
        self.builtIns = builtIns
        self.overridden = overridden
        self.warnings = warnings
        self.logger = logger
    }

    /// Renders template `name` with `context`'s properties: the override when it renders something,
    /// else the built-in one.
    package func render(_ name: String, _ context: Any) throws(TemplateError) -> String {
        guard library.getTemplate(named: name) != nil else {
            throw .missing(name: name, directory: directory?.path ?? "the built-in templates")
        }
        let text = library.render(context, withTemplate: name) ?? ""
        if overridden.contains(name), text.allSatisfy(\.isWhitespace), builtIns.getTemplate(named: name) != nil {
            logger?.warning(
                "template override rendered nothing; the built-in one is used",
                metadata: ["file": "\(directory?.appendingPathComponent("\(name).mustache").path ?? name)"])
            return builtIns.render(context, withTemplate: name) ?? ""
        }
        return text
    }

    /// Renders template `name` as one line: line breaks and runs of spaces collapse to one space
    /// and the ends are trimmed, so a template may be laid out over several lines (a commit status
    /// description or a chat preview must be a single line).
    package func renderLine(_ name: String, _ context: Any) throws(TemplateError) -> String {
        try render(name, context).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Whether template `name` exists, built in or overridden.
    package func has(_ name: String) -> Bool {
        library.getTemplate(named: name) != nil
    }

    /// Every template name, built in or from the folder.
    package var names: Set<String> {
        overridden.union(BuiltInTemplates.all.keys)
    }

    /// Whether the folder overrides template `name`.
    package func isOverridden(_ name: String) -> Bool {
        overridden.contains(name)
    }
}

/// A template problem, with the file and line to fix.
package enum TemplateError: Error, CustomStringConvertible, Equatable {
    case directoryMissing(String)
    case missing(name: String, directory: String)
    case unreadable(String)
    case syntax(file: String, line: Int, column: Int, reason: String)

    package var description: String {
        switch self {
        case .directoryMissing(let path):
            "templates folder \(path) does not exist: fix server.templates (or SLIPWAY_TEMPLATES), or remove it to use the built-in templates"
        case .missing(let name, let directory):
            "template \(name).mustache is not in \(directory)"
        case .unreadable(let path):
            "\(path) cannot be read as UTF-8 text"
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
