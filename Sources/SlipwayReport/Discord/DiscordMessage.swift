/// Keeps a rendered Discord message inside Discord's limits (a message over them is refused with
/// 400), and stops it from pinging anyone: branch names and commit text are user-written.
package enum DiscordMessage {
    package static let contentLimit = 2000
    package static let maxEmbeds = 10
    package static let totalLimit = 6000
    package static let titleLimit = 256
    package static let descriptionLimit = 4096
    package static let maxFields = 25
    package static let fieldNameLimit = 256
    package static let fieldValueLimit = 1024
    package static let footerLimit = 2048
    package static let authorLimit = 256

    package static func fit(_ message: [String: Any], username: String?) -> [String: Any] {
        var message = message
        if let content = message["content"] as? String { message["content"] = cut(content, contentLimit) }
        message["allowed_mentions"] = ["parse": [String]()]
        if let username { message["username"] = username }
        guard let embeds = message["embeds"] as? [[String: Any]] else { return message }
        var fitted = embeds.prefix(maxEmbeds).map(fitEmbed)
        // The 6000-character budget covers every embed's texts: shorten from the last embed back.
        while total(fitted) > totalLimit, let index = fitted.indices.last {
            var embed = fitted[index]
            if var fields = embed["fields"] as? [[String: Any]], !fields.isEmpty {
                fields.removeLast()
                embed["fields"] = fields
            } else if let description = embed["description"] as? String, description.count > 1 {
                let excess = total(fitted) - totalLimit
                embed["description"] = cut(description, max(1, description.count - excess - 1))
            } else {
                fitted.removeLast()
                continue
            }
            fitted[index] = embed
        }
        message["embeds"] = fitted
        return message
    }

    private static func fitEmbed(_ embed: [String: Any]) -> [String: Any] {
        var embed = embed
        if let title = embed["title"] as? String { embed["title"] = cut(title, titleLimit) }
        if let description = embed["description"] as? String { embed["description"] = cut(description, descriptionLimit) }
        if let fields = embed["fields"] as? [[String: Any]] {
            embed["fields"] = fields.prefix(maxFields).map { field -> [String: Any] in
                var field = field
                if let name = field["name"] as? String { field["name"] = cut(name, fieldNameLimit) }
                if let value = field["value"] as? String { field["value"] = cut(value, fieldValueLimit) }
                return field
            }
        }
        if var footer = embed["footer"] as? [String: Any], let text = footer["text"] as? String {
            footer["text"] = cut(text, footerLimit)
            embed["footer"] = footer
        }
        if var author = embed["author"] as? [String: Any], let name = author["name"] as? String {
            author["name"] = cut(name, authorLimit)
            embed["author"] = author
        }
        return embed
    }

    /// Characters Discord counts toward the 6000 total.
    static func total(_ embeds: [[String: Any]]) -> Int {
        embeds.reduce(0) { sum, embed in
            var count = (embed["title"] as? String)?.count ?? 0
            count += (embed["description"] as? String)?.count ?? 0
            count += ((embed["footer"] as? [String: Any])?["text"] as? String)?.count ?? 0
            count += ((embed["author"] as? [String: Any])?["name"] as? String)?.count ?? 0
            for field in embed["fields"] as? [[String: Any]] ?? [] {
                count += ((field["name"] as? String)?.count ?? 0) + ((field["value"] as? String)?.count ?? 0)
            }
            return sum + count
        }
    }

    static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
