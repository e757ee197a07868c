#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
package import Foundation
package import Logging

/// A replica's hold on `server.data_dir`: an exclusive `flock(2)` on `.slipway.lock` inside it,
/// kept for the life of the process (the kernel drops it when the process ends, `kill -9`
/// included).
///
/// Holding it is what makes clearing leftovers at start safe: a download folder in a data dir no
/// other live process holds belongs to a delivery whose process died (its next claim works in a
/// folder of its own and downloads again). Two replicas pointed at one folder would delete each
/// other's files; the second is refused at start instead.
package final class DataDirectoryClaim: Sendable {
    private let descriptor: Int32
    package let directory: URL

    package enum ClaimError: Error, CustomStringConvertible {
        case inUse(String)
        case unusable(String, reason: String)

        package var description: String {
            switch self {
            case .inUse(let path):
                "server.data_dir \(path) is in use by another running Slipway: give each replica a data_dir of its own"
            case .unusable(let path, let reason):
                "server.data_dir \(path) cannot be used: \(reason); create it and make it writable by the user Slipway runs as"
            }
        }
    }

    private init(descriptor: Int32, directory: URL) {
        self.descriptor = descriptor
        self.directory = directory
    }

    deinit { close(descriptor) }

    /// Creates the folder when missing and takes its lock, or throws if another process holds it.
    package static func take(_ directory: URL) throws(ClaimError) -> DataDirectoryClaim {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .unusable(directory.path, reason: error.localizedDescription)
        }
        let lockPath = directory.appendingPathComponent(".slipway.lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unusable(directory.path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { throw .inUse(directory.path) }
            throw .unusable(directory.path, reason: String(cString: strerror(code)))
        }
        return DataDirectoryClaim(descriptor: descriptor, directory: directory)
    }

    /// Deletes the download folders that deliveries killed mid-run left (`<delivery>/job-N-claim-M`),
    /// and their delivery folders once empty; nothing else in the folder is touched. Returns how
    /// many claim folders went.
    @discardableResult
    package func removeLeftoverWork(logger: Logger) -> Int {
        let files = FileManager.default
        var removed = 0
        let deliveries = (try? files.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isDirectoryKey])) ?? []
        for delivery in deliveries where (try? delivery.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
            let claims = ((try? files.contentsOfDirectory(atPath: delivery.path)) ?? []).filter(Self.isClaimFolder)
            guard !claims.isEmpty else { continue }
            for claim in claims {
                do {
                    try files.removeItem(at: delivery.appendingPathComponent(claim))
                    removed += 1
                } catch {
                    logger.warning(
                        "could not remove a download folder a killed delivery left",
                        metadata: ["path": "\(delivery.appendingPathComponent(claim).path)", "error": "\(error.localizedDescription)"])
                }
            }
            _ = rmdir(delivery.path)
        }
        if removed > 0 {
            logger.notice("removed download folders left by deliveries that were killed", metadata: ["folders": "\(removed)"])
        }
        return removed
    }

    /// `job-<id>-claim-<attempt>`, as `DeliveryProcessor` names a claim's folder.
    static func isClaimFolder(_ name: String) -> Bool {
        let parts = name.split(separator: "-")
        return parts.count == 4 && parts[0] == "job" && parts[2] == "claim" && Int(parts[1]) != nil && Int(parts[3]) != nil
    }
}
