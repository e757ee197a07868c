import Foundation

/// DT's `ApkStatuses` document, answered by the upload and by `GET /v1/apks_external/{id}`:
/// `{"data":{"id":…,"type":"ApkStatuses","attributes":{"id":…,"upload_status":…,
/// "samsung_approval_status":…,"manual_approval_status":…}}}`.
///
/// The field list is documented, the layout inferred (store-apis.md §4.3); a flat object with the
/// same keys is read too. DT documents no reason field for a rejection, so every other text
/// attribute is kept: whatever DT says there is quoted to the user.
struct IgniteAPKStatus: Sendable, Equatable {
    var id: String
    var uploadStatus: String?
    var samsungApprovalStatus: String?
    var manualApprovalStatus: String?
    /// Undocumented text attributes (`name: value`), sorted by name.
    var otherAttributes: [String]

    static let knownKeys: Set = ["id", "type", "upload_status", "samsung_approval_status", "manual_approval_status"]

    static func parse(_ body: Data) -> IgniteAPKStatus? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        let data = object["data"] as? [String: Any] ?? object
        let attributes = data["attributes"] as? [String: Any] ?? data
        guard let id = text(data["id"]) ?? text(attributes["id"]), !id.isEmpty else { return nil }
        let others = attributes.compactMap { key, value -> String? in
            guard !knownKeys.contains(key), let value = text(value), !value.isEmpty else { return nil }
            return "\(key): \(value)"
        }
        return IgniteAPKStatus(
            id: id, uploadStatus: text(attributes["upload_status"])?.uppercased(),
            samsungApprovalStatus: text(attributes["samsung_approval_status"])?.uppercased(),
            manualApprovalStatus: text(attributes["manual_approval_status"])?.uppercased(),
            otherAttributes: others.sorted())
    }

    private static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: string
        case let number as Int: String(number)
        default: nil
        }
    }
}
