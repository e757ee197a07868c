import Foundation
import SlipwayCore

/// The upload's fields besides the file, as DT names them: `fallback_url`, `variant_segment_ids`,
/// `send_to_samsung` and `store_metadata` (with `package_name` and `size` taken from the APK).
/// `IgniteUploadBody` lays them out in the configured encoding.
struct IgniteUploadFields: Sendable {
    var fallbackURL: String
    var segmentIDs: [String]
    var sendToSamsung: Bool
    var metadata: IgniteSettings.StoreMetadata
    var packageName: String
    var size: Int64

    /// `store_metadata` as a JSON object.
    var storeMetadata: [String: Any] {
        var permissions: [String: Any] = [:]
        for permission in metadata.permissions {
            permissions[permission.name] = ["category": permission.category, "description": permission.descriptions]
        }
        return [
            "package_name": packageName, "category": metadata.category, "size": size,
            "short_description": metadata.shortDescription, "icon_url": metadata.iconURL, "developer": metadata.developer,
            "email": metadata.email, "website_url": metadata.websiteURL, "market_url": metadata.marketURL,
            "privacy_policy_url": metadata.privacyPolicyURL, "permissions": permissions,
        ]
    }

    /// Every field but the file, as one JSON object.
    var object: [String: Any] {
        [
            "fallback_url": fallbackURL, "variant_segment_ids": segmentIDs, "send_to_samsung": sendToSamsung,
            "store_metadata": storeMetadata,
        ]
    }

    /// Text parts for `multipart`: structured values as JSON text.
    func multipartParts() -> [(name: String, value: String)] {
        [
            ("fallback_url", fallbackURL), ("variant_segment_ids", Self.json(segmentIDs)),
            ("send_to_samsung", sendToSamsung ? "true" : "false"), ("store_metadata", Self.json(storeMetadata)),
        ]
    }

    /// Text parts for `multipart-bracketed`: `store_metadata[permissions][x][description][en]`,
    /// `variant_segment_ids[0]`. Indexed rather than `[]`, so no two parts share a name.
    func bracketedParts() -> [(name: String, value: String)] {
        var parts: [(name: String, value: String)] = [("fallback_url", fallbackURL)]
        for (index, id) in segmentIDs.enumerated() { parts.append(("variant_segment_ids[\(index)]", id)) }
        parts.append(("send_to_samsung", sendToSamsung ? "true" : "false"))
        Self.flatten(storeMetadata, prefix: "store_metadata", into: &parts)
        return parts
    }

    static func json(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func flatten(_ value: Any, prefix: String, into parts: inout [(name: String, value: String)]) {
        switch value {
        case let object as [String: Any]:
            for key in object.keys.sorted() { flatten(object[key]!, prefix: "\(prefix)[\(key)]", into: &parts) }
        case let array as [Any]:
            for (index, item) in array.enumerated() { flatten(item, prefix: "\(prefix)[\(index)]", into: &parts) }
        case let flag as Bool:
            parts.append((prefix, flag ? "true" : "false"))
        default:
            parts.append((prefix, "\(value)"))
        }
    }
}
