import Yams

extension ConfigLoader {
    /// Reads a `applivery` store's settings. Not available yet: says so at the store's `type:` line.
    static func readAppliveryStore(name: String, node: Node, typeNode: Node, reader: inout YAMLNodeReader) -> StoreSettings? {
        reader.error(typeNode, "store \"\(name)\": type \"\(StoreType.applivery.rawValue)\" is not available in this version of Slipway yet")
        return nil
    }
}
