package import Foundation
package import Hummingbird

/// Cloud storage on another origin, as CIs hand out: a CI fake told to use it answers its
/// artifact download with `302` to a pre-signed URL here instead of serving the bytes itself.
/// The host records every header it receives, so a test can prove no CI credential followed.
package struct ExternalArtifactStorage: Sendable {
    package let host: FakeArtifactHost
    package let baseURL: String

    package init(host: FakeArtifactHost, baseURL: String) {
        self.host = host
        self.baseURL = baseURL
    }

    /// Puts `data` on the storage host; returns its pre-signed URL.
    package func put(key: String, data: Data) async -> String {
        let path = "/external/\(key)"
        await host.add(path: path, data: data)
        return "\(baseURL)\(path)?X-Amz-Signature=presigned"
    }

    /// Puts `data` on the storage host and answers the redirect to it.
    package func redirect(key: String, data: Data) async -> Response {
        Response(status: .found, headers: [.location: await put(key: key, data: data)])
    }
}
