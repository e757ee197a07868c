/// Which App Submission API call a request is, read from its method and path
/// (`/v1/applications/{appId}/edits/{editId}/…`).
struct FakeAmazonRoute: Sendable {
    var operation: FakeAmazonOperation = .unknown
    var appID = ""
    var editID = ""
    var apkID = ""
    var language = ""
    var imageType = ""

    init(method: String, path: String) {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 4, parts[0] == "v1", parts[1] == "applications", parts[3] == "edits" else { return }
        appID = parts[2]
        let rest = Array(parts.dropFirst(4))
        if rest.count >= 1 { editID = rest[0] }
        switch (method, rest.count) {
        case ("GET", 0): operation = .getActiveEdit
        case ("POST", 0): operation = .createEdit
        case ("GET", 1): operation = .getEdit
        case ("DELETE", 1): operation = .deleteEdit
        default: break
        }
        guard rest.count >= 2 else { return }
        switch rest[1] {
        case "validate" where method == "POST" && rest.count == 2: operation = .validateEdit
        case "commit" where method == "POST" && rest.count == 2: operation = .commitEdit
        case "availability" where rest.count == 2:
            operation = method == "GET" ? .getAvailability : method == "PUT" ? .updateAvailability : .unknown
        case "apks":
            let tail = Array(rest.dropFirst(2))
            switch (method, tail.count) {
            case ("GET", 0): operation = .listAPKs
            case ("POST", 1) where tail[0] == "upload": operation = .uploadAPK
            case ("POST", 1) where tail[0] == "attach": operation = .attachAPK
            case ("POST", 2) where tail == ["large", "upload"]: operation = .uploadLargeAPK
            case ("GET", 1): apkID = tail[0]; operation = .getAPK
            case ("DELETE", 1): apkID = tail[0]; operation = .deleteAPK
            case ("PUT", 2) where tail[1] == "replace": apkID = tail[0]; operation = .replaceAPK
            default: break
            }
        case "listings":
            let tail = Array(rest.dropFirst(2))
            if tail.count >= 1 { language = tail[0] }
            if tail.count >= 2 { imageType = tail[1] }
            switch (method, tail.count) {
            case ("GET", 0): operation = .listListings
            case ("GET", 1): operation = .getListing
            case ("PUT", 1): operation = .updateListing
            case ("GET", 2): operation = .listImages
            case ("DELETE", 2): operation = .deleteImages
            case ("POST", 3) where tail[2] == "upload": operation = .uploadImage
            default: break
            }
        default: break
        }
    }
}
