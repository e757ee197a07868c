import Yams

extension ConfigLoader {
    /// Reads a `ignite` store's settings. Not available yet: says so at the store's `type:` line.
    static func readIgniteStore(name: String, node: Node, typeNode: Node, reader: inout YAMLNodeReader) -> StoreSettings? {
        reader.error(typeNode, "store \"\(name)\": type \"\(StoreType.ignite.rawValue)\" is not available in this version of Slipway yet")
        return nil
    }
}
