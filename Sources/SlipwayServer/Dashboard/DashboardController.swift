import Foundation
import Hummingbird
import NIOCore
import SlipwayCore
import SlipwayQueue

/// `GET /` (recent deliveries), `GET /deliveries/{id}` (one delivery, the target of status links),
/// and the JSON API `GET /api/deliveries[/{id}]`.
struct DashboardController: Sendable {
    let jobStore: any JobStore

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            let records = try await jobStore.recentDeliveries(limit: 50)
            return html(Self.listPage(records))
        }
        router.get("/deliveries/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = try await jobStore.delivery(id: id) else {
                return html(Self.page(title: "Not found", body: "<p>No delivery \(escape(id)).</p>"), status: .notFound)
            }
            return html(Self.detailPage(record))
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

    static func listPage(_ records: [DeliveryRecord]) -> String {
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
        return page(
            title: "Slipway deliveries",
            body: """
                <table><tr><th>Delivery</th><th>Repository</th><th>Branch/tag</th><th>Commit</th><th>PR</th><th>State</th><th>Stores</th><th>Received</th></tr>
                \(rows)</table>
                """)
    }

    static func detailPage(_ record: DeliveryRecord) -> String {
        var stores = ""
        for result in record.results {
            let links = result.links.map { "<a href=\"\(escape($0.url))\">\(escape($0.title))</a>" }.joined(separator: " · ")
            let details = result.details.map { "\(escape($0.label)): <code>\(escape($0.value))</code>" }.joined(separator: "<br>")
            let failure = result.failure.map { "<div class=failed>\(escape($0.description))</div>" } ?? ""
            stores += """
                <tr><td>\(escape(result.store))</td><td>\(escape(result.storeType.displayName))</td>\
                <td class="\(escape(result.state.rawValue))">\(escape(result.state.rawValue))</td>\
                <td>\(escape(result.summary))\(failure)</td><td>\(links)</td><td>\(details)</td></tr>

                """
        }
        let event = record.event
        return page(
            title: "Delivery \(record.id)",
            body: """
                <p><b>\(escape(event.repository))</b> \(escape(event.branch ?? event.tag ?? "")) · <code>\(escape(event.sha))</code>\
                \(event.pullRequest.map { " · PR #\($0)" } ?? "")\
                \(event.buildURL.map { " · <a href=\"\(escape($0))\">build</a>" } ?? "")</p>
                <p>State: <b class="\(escape(record.state.rawValue))">\(escape(record.state.rawValue))</b>\
                \(record.lastError.map { " — \(escape($0))" } ?? "")</p>
                <p>Rules: \(escape(record.plan.matchedRules.joined(separator: ", ")))</p>
                <table><tr><th>Store</th><th>Type</th><th>State</th><th>Summary</th><th>Links</th><th>Details</th></tr>
                \(stores)</table>
                <p><a href="/">All deliveries</a> · <a href="/api/deliveries/\(escape(record.id))">JSON</a></p>
                """)
    }

    static func page(title: String, body: String) -> String {
        """
        <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <meta http-equiv="refresh" content="15">
        <style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
        .failed{color:#b00}.succeeded,.done{color:#070}.waiting,.pending,.running,.queued{color:#a60}</style>
        </head><body><h1>\(escape(title))</h1>
        \(body)
        </body></html>
        """
    }
}

func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "text/html; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: text)))
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
