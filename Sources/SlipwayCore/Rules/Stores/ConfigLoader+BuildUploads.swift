import Yams

extension ConfigLoader {
    /// Reads a `build-uploads` store's settings. Not available yet: says so at the store's `type:` line.
    static func readBuildUploadsStore(name: String, node: Node, typeNode: Node, reader: inout YAMLNodeReader) -> StoreSettings? {
        reader.error(typeNode, "store \"\(name)\": type \"\(StoreType.buildUploads.rawValue)\" is not available in this version of Slipway yet")
        return nil
    }
}
