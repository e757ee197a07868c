import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// The two ways an operator asks for a reload: `POST /api/reload` (behind access, like the rest of
/// the API: a token, or a signed-in browser with its CSRF token) and `SIGHUP`.
enum ReloadTriggers {
    /// What `POST /api/reload` answers: 200 with what is in use now, or 422 with every error.
    struct Reply: Encodable {
        var status: String
        var rules: Int?
        var stores: Int?
        var notices: [String]?
        var errors: [String]?
    }

    static func addRoute(to router: Router<SlipwayRequestContext>, runtime: SlipwayRuntime) {
        router.post("/api/reload") { _, _ in
            switch await runtime.reload() {
            case .applied(let rules, let stores, let notices):
                return jsonResponse(.ok, Reply(status: "reloaded", rules: rules, stores: stores, notices: notices))
            case .refused(let errors):
                return jsonResponse(.unprocessableContent, Reply(status: "refused", errors: errors))
            }
        }
    }

    /// Reloads on each `SIGHUP` until shutdown.
    struct HangUpSignal: Service {
        let runtime: SlipwayRuntime

        func run() async throws {
            let signals = await UnixSignalsSequence(trapping: .sighup)
            await cancelWhenGracefulShutdown {
                for await _ in signals {
                    runtime.logger.info("SIGHUP: reloading the config")
                    _ = await runtime.reload()
                }
            }
        }
    }
}
