import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import SlipwayCore

/// The upload: the APK's manifest checked against the configuration, then one request carrying
/// the file and its store metadata.
extension IgniteAppManagement {
    static let inspectStep = "read the APK's manifest"
    static let packageStep = "check package name"
    static let uploadStep = "upload APK"

    /// The APK as DT will see it: its manifest and its size on disk.
    struct InspectedAPK: Sendable {
        var manifest: APKManifest
        var size: Int64
    }

    /// Reads the size from the file system and the package from the APK's own manifest, and fails
    /// before any request when the file is not an APK of the configured package. The manifest sits at
    /// the end of the zip, so a file still arriving is waited for first.
    func inspect(_ arriving: Artifact) async throws(StoreCallFailure) -> InspectedAPK {
        let artifact: Artifact
        do {
            artifact = try await arriving.settled()
        } catch {
            throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: true)
        }
        let size: Int64
        do {
            size = try await FileUploadBody.size(ofFileAt: artifact.path)
        } catch {
            throw StoreCallFailure(step: "read artifact", message: error.description, isRetryable: false)
        }
        guard size > 0 else {
            throw StoreCallFailure(step: "read artifact", message: "\(artifact.fileName) is empty", isRetryable: false)
        }
        let manifest: APKManifest
        do {
            manifest = try APKManifest.read(apkAt: artifact.path)
        } catch {
            throw StoreCallFailure(
                step: Self.inspectStep, message: "\(artifact.fileName): \(error)",
                hint: "Ignite takes APKs only; check the rule's artifact pattern picks the release .apk",
                isRetryable: false)
        }
        guard manifest.packageName == settings.packageName else {
            throw StoreCallFailure(
                step: Self.packageStep,
                message: "\(artifact.fileName) is package \(manifest.packageName), but this store uploads "
                    + "\(settings.packageName); DT refuses metadata that does not match the APK, so nothing was uploaded",
                hint: "check the rule picks the right flavour's APK, or fix package_name on the store",
                isRetryable: false)
        }
        return InspectedAPK(manifest: manifest, size: size)
    }

    func upload(_ artifact: Artifact, apk: InspectedAPK, event: BuildEvent, logger: Logger)
        async throws(StoreCallFailure) -> IgniteAPKStatus
    {
        let fields = IgniteUploadFields(
            fallbackURL: fallbackURL(event: event, manifest: apk.manifest), segmentIDs: settings.segmentIDs,
            sendToSamsung: settings.sendToSamsung, metadata: settings.metadata, packageName: apk.manifest.packageName,
            size: apk.size)
        let body = IgniteUploadBody(encoding: settings.uploadEncoding, fields: fields, fileName: artifact.fileName)
        let endpoint = Self.join(settings.apiURL, "/v1/upload_apk/external_user")
        let response = try await send(step: Self.uploadStep, logger: logger) { (authorization) async throws in
            try await body.withStreamingBody(path: artifact.path) { stream in
                var request = HTTPClientRequest(url: endpoint)
                request.method = .POST
                request.headers.add(name: "Authorization", value: authorization)
                request.headers.add(name: "Accept", value: "application/json")
                request.headers.add(name: "Content-Type", value: body.contentType)
                request.body = stream
                return try await http.send(request, timeout: http.timeouts.upload(bytes: body.contentLength), logger: logger)
            }
        }
        guard (200...299).contains(response.status) else {
            throw failure(response, step: Self.uploadStep)
        }
        guard let status = IgniteAPKStatus.parse(response.bodyData) else {
            throw StoreCallFailure(
                step: Self.uploadStep, message: "DT answered HTTP \(response.status) without an APK id (data.id)",
                hint: "check that api_url points at DT's App Management API", httpStatus: response.status,
                isRetryable: false)
        }
        logger.info(
            "DT accepted the APK",
            metadata: [
                "apk": "\(status.id)", "bytes": "\(apk.size)", "encoding": "\(settings.uploadEncoding.rawValue)",
            ])
        return status
    }

    /// `fallback_url` with `{branch}`, `{tag}`, `{sha}`, `{short_sha}`, `{build_number}`,
    /// `{version_code}` and `{version_name}` filled in, each percent-encoded (a missing one is empty).
    func fallbackURL(event: BuildEvent, manifest: APKManifest) -> String {
        let values = [
            "branch": event.branch ?? "", "tag": event.tag ?? "", "sha": event.sha,
            "short_sha": String(event.sha.prefix(7)), "build_number": event.buildID,
            "version_code": manifest.versionCode.map(String.init) ?? "", "version_name": manifest.versionName ?? "",
        ]
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        var result = settings.fallbackURL
        for (name, value) in values {
            result = result.replacingOccurrences(
                of: "{\(name)}", with: value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }
        return result
    }
}
