import Foundation
import Hummingbird
import NIOCore
import SlipwayCore
import SlipwayQueue

/// `GET /` (recent deliveries), `GET /deliveries/{id}` (one delivery, the target of status links),
/// and the JSON API `GET /api/deliveries[/{id}]`. All behind `AccessMiddleware`.
struct DashboardController: Sendable {
    let jobStore: any JobStore
    let access: AccessPolicy
    let wakeWorker: @Sendable () -> Void

    func addRoutes(to router: Router<SlipwayRequestContext>) {
        router.get("/") { _, context in
            let records = try await jobStore.recentDeliveries(limit: 50)
            return html(Pages.page(title: "Slipway deliveries", body: Self.listBody(records), header: header(context), refresh: true))
        }
        router.get("/deliveries/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = try await jobStore.delivery(id: id) else {
                return html(
                    Pages.page(title: "Not found", body: "<p>No delivery \(escape(id)).</p>", header: header(context)),
                    status: .notFound)
            }
            let history = try await Redelivery(jobStore: jobStore).history(of: record.id)
            let notice = request.uri.queryParameters.get("notice")
            return html(
                Pages.page(
                    title: "Delivery \(record.id)",
                    body: (notice.map { "<p class=\"notice\" id=\"notice\">\(escape($0))</p>" } ?? "")
                        + Self.detailBody(record) + redeliverSection(record, history: history, context: context),
                    header: header(context), refresh: true))
        }
        // Re-deliver from the page (a form with the session's CSRF token) or the API (a bearer token).
        router.post("/deliveries/:id/redeliver") { _, context in
            let id = context.parameters.get("id") ?? ""
            let text: String
            do {
                let stores = try await Redelivery(jobStore: jobStore).redeliver(id, stores: nil, by: context.viewer?.name ?? "dashboard")
                wakeWorker()
                text = "Re-delivering \(stores.joined(separator: ", "))."
            } catch let refusal as Redelivery.Refusal {
                text = "Not re-delivered: \(refusal.description)."
            }
            let notice = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return Response(status: .seeOther, headers: [.location: "/deliveries/\(id)?notice=\(notice)"])
        }
        router.post("/api/deliveries/:id/redeliver") { request, context in
            let id = context.parameters.get("id") ?? ""
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            var stores: [String]?
            if body.readableBytes > 0 {
                guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
                    return jsonResponse(.badRequest, ["error": "the body must be JSON like {\"stores\": [\"play\"]}, or empty for every failed store"])
                }
                stores = object["stores"] as? [String]
            }
            do {
                let queued = try await Redelivery(jobStore: jobStore).redeliver(id, stores: stores, by: context.viewer?.name ?? "API")
                wakeWorker()
                struct Accepted: Encodable { var status = "accepted"; var delivery_id: String; var stores: [String] }
                return jsonResponse(.accepted, Accepted(delivery_id: id, stores: queued))
            } catch let refusal as Redelivery.Refusal {
                let status: HTTPResponse.Status =
                    switch refusal {
                    case .notFound: .notFound
                    case .busy, .nothingFailed: .conflict
                    case .unknownStores: .badRequest
                    }
                return jsonResponse(status, ["error": refusal.description])
            }
        }
        router.get("/api/deliveries") { request, _ in
            let limit = request.uri.queryParameters.get("limit", as: Int.self).map { min(max($0, 1), 500) } ?? 50
            let records = try await jobStore.recentDeliveries(limit: limit)
            return jsonResponse(.ok, ["deliveries": records.map(DeliveryView.init)])
        }
        router.get("/api/deliveries/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = try await jobStore.delivery(id: id) else {
                return jsonResponse(.notFound, ["error": "no delivery \(id)"])
            }
            return jsonResponse(.ok, DeliveryView(record))
        }
    }

    /// Earlier redeliveries, and the button (a POST with the session's CSRF token) while a store has failed.
    func redeliverSection(_ record: DeliveryRecord, history: [Redelivery.Record], context: SlipwayRequestContext) -> String {
        var html = ""
        if !history.isEmpty {
            let items = history.map {
                "<li>\(escape(ISO8601DateFormatter().string(from: $0.at))): \(escape($0.stores.joined(separator: ", "))) by \(escape($0.by))</li>"
            }
            html += "<h2>Re-deliveries</h2><ul id=\"redeliveries\">\(items.joined())</ul>"
        }
        let busy = record.state == .queued || record.state == .running
        if !busy, record.results.contains(where: { $0.state == .failed }), let claims = context.viewer?.session {
            html += """
                <form method="post" action="/deliveries/\(escape(record.id))/redeliver">\
                <input type="hidden" name="csrf" value="\(escape(access.sessions.csrfToken(for: claims)))">\
                <button type="submit" id="redeliver">Re-deliver failed stores</button></form>
                """
        }
        return html
    }

    /// Who is signed in, and the sign-out button (a POST carrying the session's CSRF token).
    func header(_ context: SlipwayRequestContext) -> String {
        guard let viewer = context.viewer else { return "" }
        guard let claims = viewer.session else { return "<span>Viewing as \(escape(viewer.name))</span>" }
        return """
            <span>Signed in as <b id="viewer">\(escape(viewer.name))</b></span>\
            <form class="inline" method="post" action="/logout">\
            <input type="hidden" name="csrf" value="\(escape(access.sessions.csrfToken(for: claims)))">\
            <button type="submit" id="sign-out">Sign out</button></form>
            """
    }

    static func listBody(_ records: [DeliveryRecord]) -> String {
        var rows = ""
        for record in records {
            let stores = record.results.map { "\(escape($0.store)): \(escape($0.state.rawValue))" }.joined(separator: "<br>")
            rows += """
                <tr><td><a href="/deliveries/\(escape(record.id))">\(escape(record.id))</a></td>\
                <td>\(escape(record.event.repository))</td><td>\(escape(record.event.branch ?? record.event.tag ?? ""))</td>\
                <td><code>\(escape(String(record.event.sha.prefix(8))))</code></td>\
                <td>\(record.event.pullRequest.map { "#\($0)" } ?? "")</td>\
                <td class="\(escape(record.state.rawValue))">\(escape(record.state.rawValue))</td><td>\(stores)</td>\
                <td>\(escape(ISO8601DateFormatter().string(from: record.receivedAt)))</td></tr>

                """
        }
        if records.isEmpty { rows = "<tr><td colspan=8>No deliveries yet. Point a CI webhook at /webhooks/github or /webhooks/generic.</td></tr>" }
        return """
                <table id="deliveries"><tr><th>Delivery</th><th>Repository</th><th>Branch/tag</th><th>Commit</th><th>PR</th><th>State</th><th>Stores</th><th>Received</th></tr>
                \(rows)</table>
                """
    }

    static func detailBody(_ record: DeliveryRecord) -> String {
        var stores = ""
        for result in record.results {
            let links = result.links.map { link(escape($0.title), to: $0.url) }.joined(separator: " · ")
            let details = result.details.map { "\(escape($0.label)): <code>\(escape($0.value))</code>" }.joined(separator: "<br>")
            let failure = result.failure.map { "<div class=failed>\(escape($0.description))</div>" } ?? ""
            stores += """
                <tr><td>\(escape(result.store))</td><td>\(escape(result.storeType.displayName))</td>\
                <td class="\(escape(result.state.rawValue))">\(escape(result.state.rawValue))</td>\
                <td>\(escape(result.summary))\(failure)</td><td>\(links)</td><td>\(details)</td></tr>

                """
        }
        let event = record.event
        return """
                <p><b>\(escape(event.repository))</b> \(escape(event.branch ?? event.tag ?? "")) · <code>\(escape(event.sha))</code>\
                \(event.pullRequest.map { " · PR #\($0)" } ?? "")\
                \(event.buildURL.map { " · " + link("build", to: $0) } ?? "")</p>
                <p>State: <b class="\(escape(record.state.rawValue))">\(escape(record.state.rawValue))</b>\
                \(record.lastError.map { " — \(escape($0))" } ?? "")</p>
                <p>Received via \(escape(record.source))\
                \(IntakeSource.note(for: record.source).map { " — <b class=intake>\(escape($0))</b>" } ?? "")</p>
                <p>Rules: \(escape(record.plan.matchedRules.joined(separator: ", ")))</p>
                <table><tr><th>Store</th><th>Type</th><th>State</th><th>Summary</th><th>Links</th><th>Details</th></tr>
                \(stores)</table>
                <p><a href="/">All deliveries</a> · <a href="/api/deliveries/\(escape(record.id))">JSON</a></p>
                """
    }

}

func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "text/html; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// A link when `url` is http(s); the text alone otherwise (a webhook could name a `javascript:` URL).
func link(_ text: String, to url: String) -> String {
    let lowered = url.lowercased()
    guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else { return text }
    return "<a href=\"\(escape(url))\" rel=\"noreferrer\">\(text)</a>"
}

/// Escapes text for HTML element content and attribute values.
func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
