package import Foundation
package import NIOCore
package import NIOHTTP1

/// A store's answer with its (small) body read: status, headers and up to the client's limit of
/// body bytes. Upload responses and error bodies are JSON of a few hundred bytes; the artifact
/// only ever travels in the request direction.
package struct StoreHTTPResponse: Sendable {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: ByteBuffer

    package init(status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text (lossy), for messages and logs.
    package var bodyText: String { String(decoding: body.readableBytesView, as: UTF8.self) }

    /// The body as `Data`, for `JSONDecoder`.
    package var bodyData: Data { Data(body.readableBytesView) }

    /// The first value of a header, case-insensitive.
    package func header(_ name: String) -> String? { headers.first(name: name) }
}
