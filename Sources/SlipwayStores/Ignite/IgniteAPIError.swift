import Foundation

/// What DT said in an error body. DT documents no error format (store-apis.md §4.3: unknown), so
/// the common shapes are all read: OAuth (`error`, `error_description`), JSON:API (`errors[]` with
/// `title`/`detail` — the success documents are JSON:API-like), and plain `message`/`detail`.
struct IgniteAPIError: Sendable, Equatable {
    var messages: [String]

    static func parse(_ body: Data) -> IgniteAPIError? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        var messages: [String] = []
        if let errors = object["errors"] as? [[String: Any]] {
            for error in errors {
                let parts = [error["title"], error["detail"]].compactMap { $0 as? String }.filter { !$0.isEmpty }
                if let source = (error["source"] as? [String: Any])?["pointer"] as? String, !parts.isEmpty {
                    messages.append(parts.joined(separator: ": ") + " (\(source))")
                } else if !parts.isEmpty {
                    messages.append(parts.joined(separator: ": "))
                }
            }
        } else if let errors = object["errors"] as? [String] {
            messages += errors
        }
        if let error = object["error"] as? String {
            messages.append([error, object["error_description"] as? String].compactMap { $0 }.joined(separator: ": "))
        } else if let error = object["error"] as? [String: Any], let message = error["message"] as? String {
            messages.append(message)
        }
        for key in ["message", "detail"] {
            if let text = object[key] as? String, !text.isEmpty { messages.append(text) }
        }
        return messages.isEmpty ? nil : IgniteAPIError(messages: messages)
    }

    /// `"store_metadata.package_name does not match the APK"`, several joined with `; `.
    var quoted: String {
        messages.map { "\"\($0)\"" }.joined(separator: "; ")
    }

    /// The start of a body that is not JSON, for the message.
    static func excerpt(_ text: String) -> String {
        String(text.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
