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
    /// The file's length; while it arrives, the length the download announced.
    package var size: Int64
    /// Lowercase hex SHA-256, as `sha256sum` prints it; empty while the file arrives (`settledSHA256()`).
    package var sha256: String
    /// Set while the file is still being downloaded: readers wait on it for their bytes. nil for a
    /// complete file.
    package var arrival: ArtifactArrival?

    package init(path: String, name: String, kind: ArtifactKind, size: Int64, sha256: String, arrival: ArtifactArrival? = nil) {
        self.path = path
        self.name = name
        self.kind = kind
        self.size = size
        self.sha256 = sha256
        self.arrival = arrival
    }

    /// The file name alone (last path component of `name`).
    package var fileName: String {
        name.split(separator: "/").last.map(String.init) ?? name
    }

    /// The complete, checked artifact: itself when it is complete, else once its download ended.
    /// For a store that must read the whole file before it sends anything (a manifest at the end of
    /// the zip).
    package func settled() async throws(ArtifactArrival.Failure) -> Artifact {
        guard let arrival else { return self }
        return try await arrival.completed()
    }

    /// The file's sha256, waiting for the download's end if it is still arriving.
    package func settledSHA256() async throws(ArtifactArrival.Failure) -> String {
        try await settled().sha256
    }

    enum CodingKeys: String, CodingKey {
        case path, name, kind, size, sha256
    }

    package static func == (lhs: Artifact, rhs: Artifact) -> Bool {
        lhs.path == rhs.path && lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.size == rhs.size
            && lhs.sha256 == rhs.sha256 && lhs.arrival === rhs.arrival
    }
}
