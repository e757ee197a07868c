import ArgumentParser
import Foundation
import SlipwayCore
import SlipwayIntake

/// `--repo-rules PATH` of `validate` and `explain`: a repository's rules file read on this machine
/// exactly as the server reads it at a build's commit, against the server config's `repo_rules`.
enum RepositoryRulesFile {
    /// The file's accepted rules and problems; exits 1 when the server does not let `repository`
    /// carry rules, or the file cannot be read.
    /// - Parameter nameCheck: warn when the file's name is not the one the server reads (off for a base branch's copy).
    static func load(_ path: String, repository: String, config: SlipwayConfig, nameCheck: Bool = true) throws -> RepositoryRules {
        guard let policy = config.repositoryRulesPolicy(for: repository) else {
            printError(
                "\(config.file): no repo_rules entry covers \(repository), so the server ignores its \(path); "
                    + "add one (repo_rules: [{repos: [\"\(repository)\"], stores: [...]}]) or check the repository name (--repo)")
            throw ExitCode(1)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            printError("\(path): cannot be read: \((error as NSError).localizedDescription)")
            throw ExitCode(1)
        }
        if nameCheck && (path as NSString).lastPathComponent != (policy.path as NSString).lastPathComponent {
            printError("warning: the server reads \(policy.path) in \(repository) (\(config.file):\(policy.line)), not \(path)")
        }
        return ConfigLoader.parseRepositoryRules(yaml: text, file: path, policy: policy, config: config)
    }

    /// `OWNER/NAME` from `git remote get-url origin` in the working directory, if there is one.
    static func repositoryFromGit() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "remote", "get-url", "origin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return GitRemote.repositoryPath(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
