// The reference `scripts/bench` measures Slipway's intake against: a bare Hummingbird 2 server
// that reads each webhook's body and answers 202 with a small JSON body, nothing else (no
// signature check, no rules, no database). Same framework, same machine, same load, same run.
//
//   slipway-bench-reference PORT
import Foundation
import Hummingbird
import NIOCore

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8090
let router = Router()
router.post("/webhooks/:provider") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 25 << 20)
    return Response(
        status: .accepted, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: #"{"status":"accepted"}"#)))
}
router.get("/healthz") { _, _ in "ok" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
