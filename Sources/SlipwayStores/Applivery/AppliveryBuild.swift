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
            let data = object["data"] as? [String: Any]
        else { return nil }
        if let status = object["status"] as? Bool, !status { return nil }
        return AppliveryBuild(object: data)
    }

    /// A string, a number as text, or the `id` of an object Applivery nests in its place.
    static func text(_ value: Any?) -> String? {
        switch value {
        case let string as String: string
        case let number as Int: String(number)
        case let object as [String: Any]: text(object["id"] ?? object["_id"])
        default: nil
        }
    }
}

extension AppliveryBuild {
    /// One build object (what `data` holds, or an item of a listing); nil without an `id`.
    init?(object data: [String: Any]) {
        guard let id = Self.text(data["id"]), !id.isEmpty else { return nil }
        self.init(
            id: id, application: Self.text(data["application"]), status: Self.text(data["status"]),
            versionName: Self.text(data["versionName"]), error: Self.text(data["error"]), errorCode: Self.text(data["errorCode"]))
    }
}
