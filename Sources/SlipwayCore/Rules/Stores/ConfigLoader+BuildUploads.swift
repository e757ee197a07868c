import Yams

extension ConfigLoader {

    /// Reads a `build-uploads` (Product Science) store: `token` and `project` are required;
    /// `build_type` is `APK` (default) or `INSTRUMENTED_APK`.
    static func readBuildUploadsStore(name: String, node: Node, typeNode: Node, reader: inout YAMLNodeReader) -> StoreSettings? {
        let what = "store \"\(name)\""
        guard let fields = reader.entries(node, in: what, allowed: ConfigKeys.buildUploads) else { return nil }
        let token = require(fields, "token", in: what, at: node, reader: &reader)
            .flatMap { reader.secretReference($0, "\(what) token") }
        let project = require(fields, "project", in: what, at: node, reader: &reader)
            .flatMap { reader.string($0, "\(what) project") }
        guard let token, let project else { return nil }
        var valid = true
        if project.contains("/") || project.contains("?") || project.contains("#") {
            reader.error(fields["project"]!.value, "\(what) project must be the Product Science project name, not a path or URL: \"\(project)\"")
            valid = false
        }
        var settings = BuildUploadsSettings(token: token, project: project)
        if let n = fields["build_type"]?.value, let v = reader.string(n, "\(what) build_type") {
            if let type = BuildUploadsSettings.BuildType(rawValue: v.uppercased()) {
                settings.buildType = type
            } else {
                reader.error(
                    n,
                    "\(what) build_type must be APK or INSTRUMENTED_APK, not \"\(v)\" "
                        + "(to upload both, declare two stores)")
                valid = false
            }
        }
        if let n = fields["api_url"]?.value {
            if let v = reader.url(n, "\(what) api_url") { settings.apiURL = v } else { valid = false }
        }
        if let n = fields["size_range_header"]?.value, let v = reader.string(n, "\(what) size_range_header") {
            settings.sizeRangeHeader = v.lowercased()
        }
        return valid ? .buildUploads(settings) : nil
    }
}
