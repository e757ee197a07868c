import Foundation

/// Android package formats Slipway delivers.
package enum ArtifactKind: String, Codable, Sendable, CaseIterable {
    case apk
    case aab

    /// Infers the kind from a file name's extension (case-insensitive).
    package init?(fileName: String) {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".apk") {
            self = .apk
        } else if lower.hasSuffix(".aab") {
            self = .aab
        } else {
            return nil
        }
    }
}

/// A build artifact downloaded once to local disk, with its digest computed while it streamed in.
/// Every store uploads from this one file.
package struct Artifact: Codable, Sendable, Equatable {
    /// Local path of the downloaded file.
    package var path: String
    /// Where it came from inside the CI's artifacts (`app-release/app-release.apk`); what rules match on.
    package var name: String
    package var kind: ArtifactKind
    package var size: Int64
    /// Lowercase hex SHA-256, as `sha256sum` prints it.
    package var sha256: String

    package init(path: String, name: String, kind: ArtifactKind, size: Int64, sha256: String) {
        self.path = path
        self.name = name
        self.kind = kind
        self.size = size
        self.sha256 = sha256
    }

    /// The file name alone (last path component of `name`).
    package var fileName: String {
        name.split(separator: "/").last.map(String.init) ?? name
    }
}
