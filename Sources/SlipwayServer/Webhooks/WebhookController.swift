import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import SlipwayCore
import SlipwayIntake
import SlipwayQueue
import SlipwayHTTP
import Tracing

/// `POST /webhooks/{provider}`: verify, parse, route, persist, then answer — in that order, so a
/// 202 always means the delivery is on disk.
struct WebhookController: Sendable {
    /// The current config and adapters; each webhook takes them once, as it arrives (a reload swaps them).
    let generation: @Sendable () -> RuntimeGeneration
    let jobStore: any JobStore
    let metrics: SlipwayMetrics
    /// Addresses that sent too many bad signatures are answered 429 before their body is read.
    let limiter: FailureLimiter
    let wakeWorker: @Sendable () -> Void
    let dashboardURL: @Sendable (String) -> String?
    let now: @Sendable () -> Date

    /// The webhook route is traced (a server span per request, continuing a `traceparent` the CI
    /// sent); the dashboard and health checks are not.
    func addRoutes(to router: Router<SlipwayRequestContext>) {
        router.group("webhooks").add(middleware: TracingMiddleware()).post(":provider") { request, context in
            try await self.receive(request, context: context)
        }
    }

    /// The caller's address: the peer, or — when the peer is one of `server.trusted_proxies` — the
    /// nearest address in `X-Forwarded-For` that is not a trusted proxy.
    static func peer(_ request: Request, _ context: SlipwayRequestContext, trusting proxies: [NetworkRange]) -> String {
        let direct = context.remoteAddress?.ipAddress ?? "unknown"
        guard !proxies.isEmpty, let address = IPAddress(direct), proxies.contains(where: { $0.contains(address) }),
            let forwarded = request.headers[.init("X-Forwarded-For")!]
        else { return direct }
        for hop in forwarded.split(separator: ",").reversed() {
            let text = hop.trimmingCharacters(in: .whitespaces)
            guard let hopAddress = IPAddress(text) else { return direct }
            if !proxies.contains(where: { $0.contains(hopAddress) }) { return hopAddress.description }
        }
        return direct
    }

    func receive(_ request: Request, context: SlipwayRequestContext) async throws -> Response {
        let name = context.parameters.get("provider") ?? ""
        let generation = self.generation()
        let config = generation.config
        let adapters = generation.adapters
        var logger = context.logger
        logger[metadataKey: "source"] = "\(name)"
        guard let provider = BuildEvent.Provider(rawValue: name) else {
            metrics.webhook(source: "unknown", outcome: "unknown_source")
            logger.warning("webhook for an unknown CI provider rejected")
            return IntakeReply.response(
                .notFound,
                IntakeReply(status: "rejected", error: "unknown CI provider \"\(name)\"; Slipway takes /webhooks/github or /webhooks/generic"))
        }
        guard let adapter = adapters[provider] else {
            metrics.webhook(source: name, outcome: "unknown_source")
            logger.warning("webhook for a CI provider with no sources entry rejected")
            return IntakeReply.response(
                .notFound,
                IntakeReply(status: "rejected", error: "source \"\(name)\" is not configured: add it under sources: in the Slipway config"))
        }

        let peer = Self.peer(request, context, trusting: config.server.trustedProxies)
        if let wait = await limiter.retryAfter(for: peer) {
            metrics.webhook(source: name, outcome: "rate_limited")
            var response = IntakeReply.response(
                .tooManyRequests,
                IntakeReply(status: "rejected", error: "too many requests with bad signatures from this address; retry in \(wait) s"))
            response.headers[.retryAfter] = String(wait)
            return response
        }

        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: config.server.maxWebhookBytes)
        } catch is NIOTooManyBytesError {
            metrics.webhook(source: name, outcome: "too_large")
            logger.warning("webhook body over the size limit rejected", metadata: ["limit": "\(config.server.maxWebhookBytes)"])
            return IntakeReply.response(
                .contentTooLarge,
                IntakeReply(status: "rejected", error: "body is larger than server.max_webhook_bytes (\(config.server.maxWebhookBytes) bytes)"))
        }

        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let webhook = WebhookRequest(headers: headers, body: Data(buffer: body))

        let intake: WebhookIntake
        do throws(WebhookError) {
            intake = try adapter.receive(webhook, now: now())
        } catch {
            switch error {
            case .unauthorized(let reason):
                metrics.webhook(source: name, outcome: "unauthorized")
                logger.warning("webhook rejected: signature check failed", metadata: ["reason": "\(reason)", "peer": "\(peer)"])
                if await limiter.recordFailure(for: peer) {
                    logger.warning(
                        "too many bad signatures: this address is answered 429 for a while",
                        metadata: ["peer": "\(peer)", "limit": "\(limiter.limit) per \(Int(limiter.window)) s"])
                }
                return IntakeReply.response(.unauthorized, IntakeReply(status: "rejected", error: reason))
            case .malformed(let reason):
                metrics.webhook(source: name, outcome: "malformed")
                logger.warning("webhook rejected: malformed", metadata: ["reason": "\(reason)"])
                return IntakeReply.response(.badRequest, IntakeReply(status: "rejected", error: reason))
            }
        }

        switch intake {
        case .redeliver(let hookID, let target):
            return try await redeliver(target, hookID: hookID, logger: logger)
        case .ignored(let deliveryID, let reason):
            metrics.webhook(source: name, outcome: "ignored")
            logger.info("webhook ignored", metadata: ["reason": "\(reason)", "delivery": "\(deliveryID ?? "-")"])
            return IntakeReply.response(.ok, IntakeReply(status: "ignored", reason: reason))
        case .build(let externalID, let event):
            let input = event.matchInput
            let routed: (config: SlipwayConfig, plan: DeliveryPlan)
            do throws(RepositoryRulesRouting.Unavailable) {
                routed = try await generation.repositoryRules.route(event, config: config, logger: logger)
            } catch {
                metrics.webhook(source: name, outcome: "rules_unavailable")
                logger.warning("build not accepted: its repository's rules file could not be read", metadata: ["reason": "\(error)"])
                var response = IntakeReply.response(.serviceUnavailable, IntakeReply(status: "rejected", error: error.description))
                response.headers[.retryAfter] = "60"
                return response
            }
            let plan = routed.plan
            // A build with news about its repository's rules file is accepted even with no store to
            // deliver to, so the commit and the pull request say it.
            guard !plan.isEmpty || plan.rulesProblems != nil || plan.rulesChange != nil else {
                let reason = Self.whyNothingMatched(routed.config.evaluate(input), event: event)
                metrics.webhook(source: name, outcome: "ignored")
                logger.info("build ignored: no rule wants it", metadata: ["build": "\(event.buildKey)", "reason": "\(reason)"])
                return IntakeReply.response(.ok, IntakeReply(status: "ignored", reason: reason))
            }
            let outcome = try await Traced.span("accept build") { span in
                span.attributes["slipway.source"] = name
                span.attributes["slipway.build"] = event.buildKey
                span.attributes["slipway.stores"] = plan.uploads.map(\.store).joined(separator: ",")
                // The delivery's jobs continue this trace, however much later they run.
                let outcome = try await jobStore.accept(
                    NewDelivery(
                        source: name, externalID: externalID, event: event, plan: plan, receivedAt: now(),
                        traceParent: TraceParent.current()))
                switch outcome {
                case .accepted(let id), .duplicate(let id): span.attributes["slipway.delivery"] = id
                }
                return outcome
            }
            switch outcome {
            case .accepted(let deliveryID):
                metrics.webhook(source: name, outcome: "accepted")
                logger.info(
                    "build accepted",
                    metadata: [
                        "delivery": "\(deliveryID)", "build": "\(event.buildKey)",
                        "stores": "\(plan.uploads.map(\.store).joined(separator: ","))",
                    ])
                wakeWorker()
                return IntakeReply.response(
                    .accepted,
                    IntakeReply(status: "accepted", deliveryID: deliveryID, dashboardURL: dashboardURL(deliveryID)))
            case .duplicate(let deliveryID):
                metrics.webhook(source: name, outcome: "duplicate")
                logger.info("duplicate delivery ignored", metadata: ["delivery": "\(deliveryID)", "external_id": "\(externalID)"])
                return IntakeReply.response(
                    .ok,
                    IntakeReply(
                        status: "duplicate", deliveryID: deliveryID,
                        reason: "this build was already accepted as \(deliveryID); it is not delivered twice"))
            }
        }
    }

    /// "Re-deliver failed" on a check run: the delivery's failed stores are queued again.
    func redeliver(_ deliveryID: String, hookID: String, logger: Logger) async throws -> Response {
        do {
            let stores = try await Redelivery(jobStore: jobStore).redeliver(deliveryID, stores: nil, by: "GitHub check run", now: now())
            metrics.webhook(source: "github", outcome: "redeliver")
            logger.info(
                "re-delivery of failed stores requested from the check run",
                metadata: ["delivery": "\(deliveryID)", "stores": "\(stores.joined(separator: ","))", "hook": "\(hookID)"])
            wakeWorker()
            return IntakeReply.response(
                .accepted, IntakeReply(status: "accepted", deliveryID: deliveryID, reason: "re-delivering \(stores.joined(separator: ", "))"))
        } catch let refusal as Redelivery.Refusal {
            metrics.webhook(source: "github", outcome: "ignored")
            return IntakeReply.response(.ok, IntakeReply(status: "ignored", reason: refusal.description))
        }
    }

    /// One line per rule saying the first reason it did not match: the sender's log explains itself.
    static func whyNothingMatched(_ evaluations: [RuleEvaluation], event: BuildEvent) -> String {
        if evaluations.isEmpty { return "the config has no rules" }
        let lines = evaluations.map { evaluation in
            let first = evaluation.reasons.first { $0.hasPrefix("✗") }.map { String($0.dropFirst(2)) } ?? "did not match"
            return "rule \"\(evaluation.rule.name)\": \(first)"
        }
        return "no rule wants \(event.repository) \(event.branch ?? event.tag ?? "") (\(event.trigger.rawValue)): " + lines.joined(separator: "; ")
    }
}
