import Foundation

/// The build object Applivery answers an upload or a build-details call with (inside `data`):
/// its id, the application it belongs to, and where processing stands (`pending`, `in_progress`,
/// `processed`, `error`).
struct AppliveryBuild: Sendable, Equatable {
    var id: String
    var application: String?
    var status: String?
    var versionName: String?
    var error: String?
    var errorCode: String?

    /// Reads `{"status":true,"data":{…}}`; nil when `data.id` is missing.
    static func parse(_ body: Data) -> AppliveryBuild? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let data = object["data"] as? [String: Any], let id = text(data["id"]), !id.isEmpty
        else { return nil }
        if let status = object["status"] as? Bool, !status { return nil }
        return AppliveryBuild(
            id: id, application: text(data["application"]), status: text(data["status"]),
            versionName: text(data["versionName"]), error: text(data["error"]), errorCode: text(data["errorCode"]))
    }

    private static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: string
        case let number as Int: String(number)
        case let object as [String: Any]: text(object["id"] ?? object["_id"])
        default: nil
        }
    }
}
