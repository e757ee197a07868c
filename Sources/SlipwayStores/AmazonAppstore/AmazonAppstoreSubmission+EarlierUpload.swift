import Logging
import NIOCore
import NIOHTTP1
import SlipwayCore

/// Issue 13 §2 for Amazon: before adding an APK to an Edit that was already open, look whether the
/// Edit has this build's version code already — an earlier attempt that was killed, or whose answer
/// was lost, after Amazon took the file. Adding it again would put two APKs of one version in the
/// Edit (or be refused); the one there is kept instead.
///
/// Amazon lists an Edit's APKs with the `versionCode` it read from each file, and nothing else that
/// identifies a file, so the artifact's own version code is read from its manifest. That needs the
/// whole file (the manifest is found through the zip's directory at its end), so only this case —
/// a reused Edit that holds APKs — waits for the download to finish before uploading.
extension AmazonAppstoreSubmission {
    func listAPKs(_ edit: AmazonEdit, logger: Logger) async throws(StoreCallFailure) -> [AmazonAPK] {
        let step = "list APKs"
        let response = try await api.send(
            .init(step: step, method: .GET, path: api.editPath(edit) + "/apks", idempotent: true), logger: logger)
        try api.expect(response, [200, 204], step: step)
        return response.status == 204 || response.body.readableBytes == 0
            ? [] : try api.decode([AmazonAPK].self, response, step: step)
    }

    /// The APK of the Edit with the artifact's version code, if there is one. Nil when the Edit has
    /// no APK, or the artifact's version code cannot be read (then it is uploaded as before).
    func earlierUpload(of artifact: Artifact, in edit: AmazonEdit, logger: Logger) async throws(StoreCallFailure)
        -> AmazonAPK?
    {
        let apks = try await listAPKs(edit, logger: logger)
        guard !apks.isEmpty else { return nil }
        let settled: Artifact
        do {
            settled = try await artifact.settled()
        } catch {
            throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: true)
        }
        let versionCode: Int64
        do {
            guard let code = try APKManifest.read(apkAt: settled.path).versionCode else {
                logger.info("the APK's manifest has no versionCode; not looking for an earlier upload")
                return nil
            }
            versionCode = code
        } catch {
            logger.info("could not read the APK's version code; not looking for an earlier upload", metadata: ["reason": "\(error)"])
            return nil
        }
        guard let earlier = apks.first(where: { $0.versionCode.map(Int64.init) == versionCode }) else { return nil }
        logger.info(
            "the edit already has this version code; keeping that APK",
            metadata: ["apk": "\(earlier.id)", "versionCode": "\(versionCode)"])
        return earlier
    }
}
