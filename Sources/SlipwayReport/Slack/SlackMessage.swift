/// Keeps a rendered Block Kit message inside Slack's limits, so a long branch name or many
/// stores shorten the message instead of getting it refused (`invalid_blocks`, `msg_too_long`).
package enum SlackMessage {
    package static let maxBlocks = 50
    package static let sectionTextLimit = 3000
    package static let fieldLimit = 2000
    package static let maxFields = 10
    package static let headerLimit = 150
    package static let buttonTextLimit = 75
    package static let maxActionElements = 25
    /// The notification fallback; Slack truncates beyond 40,000, far more than a reader needs.
    package static let fallbackTextLimit = 3000

    /// `message` cut to the limits, with `text` set to `fallback` when the template left it out.
    package static func fit(_ message: [String: Any], fallback: String) -> [String: Any] {
        var message = message
        let text = (message["text"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? fallback
        message["text"] = cut(text, fallbackTextLimit)
        guard var blocks = message["blocks"] as? [[String: Any]] else { return message }
        if blocks.count > maxBlocks {
            blocks = Array(blocks.prefix(maxBlocks - 1))
            blocks.append([
                "type": "context",
                "elements": [["type": "mrkdwn", "text": "… more on the Slipway dashboard"]],
            ])
        }
        message["blocks"] = blocks.map(fitBlock)
        return message
    }

    private static func fitBlock(_ block: [String: Any]) -> [String: Any] {
        var block = block
        switch block["type"] as? String {
        case "header":
            block["text"] = fitText(block["text"], headerLimit)
        case "section":
            block["text"] = fitText(block["text"], sectionTextLimit)
            if let fields = block["fields"] as? [[String: Any]] {
                block["fields"] = fields.prefix(maxFields).map { fitText($0, fieldLimit) }
            }
        case "actions":
            if let elements = block["elements"] as? [[String: Any]] {
                block["elements"] = elements.prefix(maxActionElements).map { element -> [String: Any] in
                    var element = element
                    element["text"] = fitText(element["text"], buttonTextLimit)
                    return element
                }
            }
        default:
            break
        }
        return block
    }

    /// A text object (`{"type":…, "text":…}`) with its text cut to `limit`; anything else unchanged.
    private static func fitText(_ value: Any?, _ limit: Int) -> Any? {
        guard var object = value as? [String: Any], let text = object["text"] as? String else { return value }
        object["text"] = cut(text, limit)
        return object
    }

    static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
