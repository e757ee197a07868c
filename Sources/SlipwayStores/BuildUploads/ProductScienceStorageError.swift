import Foundation

/// The XML error a storage service (Google Cloud Storage) answers a signed-URL request with:
/// `<Error><Code>SignatureDoesNotMatch</Code><Message>…</Message><StringToSign>…</StringToSign></Error>`.
/// Only `Code` and `Message` are read: the other elements can echo the signed request.
struct ProductScienceStorageError: Sendable, Equatable {
    var code: String?
    var message: String?

    static func parse(_ text: String) -> ProductScienceStorageError? {
        let code = element("Code", in: text)
        let message = element("Message", in: text)
        guard code != nil || message != nil else { return nil }
        return ProductScienceStorageError(code: code, message: message)
    }

    private static func element(_ name: String, in text: String) -> String? {
        guard let open = text.range(of: "<\(name)>"),
            let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The signed URL expired (GCS: `ExpiredToken`, or "Request has expired"): a new one is needed.
    var meansExpired: Bool {
        code == "ExpiredToken" || (message?.localizedCaseInsensitiveContains("expired") ?? false)
    }

    /// `"…" (SignatureDoesNotMatch)`.
    var quoted: String {
        "\"\(message ?? "no message")\"" + (code.map { " (\($0))" } ?? "")
    }
}
