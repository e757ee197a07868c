import Crypto
import Foundation
import SlipwayCore

/// Direct URLs (the generic hook's `artifact_url`, `slipway deliver --artifact URL`) and local files.
extension ArtifactFetcher {
    func fetchURL(_ text: String, selector: ArtifactSelector, into directory: URL, arrival: ArtifactArrival?)
        async throws(ArtifactFetchError)
        -> Artifact
    {
        guard let url = URL(string: text), let host = url.host?.lowercased() else {
            throw .unreadable("artifact URL is not a URL")
        }
        if !allowedHosts.isEmpty && !allowedHosts.contains(host) { throw .hostNotAllowed(host: host, setting: Self.genericAllowlist) }
        let name = url.lastPathComponent
        if ArtifactKind(fileName: name) == nil {
            return try await fetchUntypedURL(text, urlName: name, selector: selector, into: directory)
        }
        guard selector.accepts(name: name) else {
            throw .noMatch(pattern: selector.description, available: [name])
        }
        guard let kind = ArtifactKind(fileName: name) else { throw .unreadable("\(name) is not an .apk or .aab") }
        let target = directory.appendingPathComponent(Self.safeFileName(name))
        let (size, sha256) = try await download(
            text, to: target, step: "download \(Self.redacted(text))", authorized: false, restrictHosts: true,
            announcing: arrival.map { Announcement(arrival: $0, name: name, kind: kind) })
        return Artifact(path: target.path, name: name, kind: kind, size: size, sha256: sha256)
    }

    /// A URL whose path does not end in `.apk`/`.aab` (`…/download?id=7`, `…/latest`): downloaded
    /// first, then named by the answer's `Content-Disposition` file name, or typed by the rule's
    /// `artifact_kind`; otherwise refused with what to set.
    private func fetchUntypedURL(_ text: String, urlName: String, selector: ArtifactSelector, into directory: URL)
        async throws(ArtifactFetchError) -> Artifact
    {
        let shown = Self.redacted(text)
        let partial = directory.appendingPathComponent("download-\(UUID().uuidString).partial")
        let (size, sha256, suggested) = try await downloadNamed(
            text, to: partial, step: "download \(shown)", authorized: false, restrictHosts: true)
        var name = suggested.map(Self.safeFileName) ?? urlName
        guard let kind = ArtifactKind(fileName: name) ?? selector.kind else {
            try? FileManager.default.removeItem(at: partial)
            throw .untyped(url: shown)
        }
        if ArtifactKind(fileName: name) == nil { name += ".\(kind.rawValue)" }
        guard selector.accepts(name: name) else {
            try? FileManager.default.removeItem(at: partial)
            throw .noMatch(pattern: selector.description, available: [name])
        }
        let target = directory.appendingPathComponent(Self.safeFileName(name))
        do {
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.moveItem(at: partial, to: target)
        } catch {
            throw .unreadable("cannot move the download to \(target.path)")
        }
        return Artifact(path: target.path, name: name, kind: kind, size: size, sha256: sha256)
    }

    /// The file name a `Content-Disposition` header suggests (`filename*=UTF-8''…` first, then `filename="…"`).
    package static func suggestedFileName(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        if let extended = parts.first(where: { $0.lowercased().hasPrefix("filename*=") }),
            let quote = extended.range(of: "''")
        {
            let value = String(extended[quote.upperBound...]).removingPercentEncoding ?? ""
            if !value.isEmpty { return value }
        }
        if let plain = parts.first(where: { $0.lowercased().hasPrefix("filename=") }) {
            let value = plain.dropFirst("filename=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if !value.isEmpty { return value }
        }
        return nil
    }

    func hashLocalFile(_ path: String, selector: ArtifactSelector) throws(ArtifactFetchError) -> Artifact {
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard selector.accepts(name: name), let kind = ArtifactKind(fileName: name) else {
            throw .noMatch(pattern: selector.description, available: [name])
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable("cannot open \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                size += Int64(chunk.count)
            }
        } catch {
            throw .unreadable("reading \(path) failed: \(error)")
        }
        return Artifact(path: path, name: name, kind: kind, size: size, sha256: Self.hex(hasher.finalize()))
    }

}
