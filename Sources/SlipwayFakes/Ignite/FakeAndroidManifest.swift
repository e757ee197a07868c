package import Foundation

/// Writes a compiled (binary, AXML) `AndroidManifest.xml` as aapt2 lays it out: the XML chunk,
/// a string pool (UTF-8 or UTF-16), a resource map for the `android:` attributes, a namespace,
/// `<manifest>` with `android:versionCode` (integer), `android:versionName` and `package`, and an
/// empty `<application>` inside it.
///
/// Written from AOSP's `ResourceTypes.h`, independently of Slipway's reader, so test APKs built
/// with it check that reader against the format rather than against itself.
package enum FakeAndroidManifest {
    package static func binaryXML(
        packageName: String, versionCode: UInt32? = 1, versionName: String? = "1.0", utf8: Bool = true
    ) -> Data {
        // Attribute names with resource ids first, in resource-map order (as aapt2 does).
        var strings = ["versionCode", "versionName", "android", "http://schemas.android.com/apk/res/android",
                       "package", "manifest", "application", packageName]
        let versionNameIndex: UInt32? = versionName.map { name in
            strings.append(name)
            return UInt32(strings.count - 1)
        }
        let noIndex: UInt32 = 0xFFFF_FFFF
        var body = Data()
        body.append(stringPool(strings, utf8: utf8))
        body.append(chunk(type: 0x0180, headerSize: 8, payload: le32(0x0101_021b) + le32(0x0101_021c)))
        body.append(node(type: 0x0100, extension: le32(2) + le32(3)))  // xmlns:android
        var attributes: [Data] = []
        if let versionCode {
            attributes.append(attribute(namespace: 3, name: 0, raw: noIndex, type: 0x10, data: versionCode))
        }
        if let versionNameIndex {
            attributes.append(attribute(namespace: 3, name: 1, raw: versionNameIndex, type: 0x03, data: versionNameIndex))
        }
        attributes.append(attribute(namespace: noIndex, name: 4, raw: 7, type: 0x03, data: 7))
        body.append(startElement(name: 5, attributes: attributes))
        body.append(startElement(name: 6, attributes: []))
        body.append(node(type: 0x0103, extension: le32(noIndex) + le32(6)))
        body.append(node(type: 0x0103, extension: le32(noIndex) + le32(5)))
        body.append(node(type: 0x0101, extension: le32(2) + le32(3)))
        return chunk(type: 0x0003, headerSize: 8, payload: body)
    }

    /// `ResStringPool_header` + offsets + strings, padded to four bytes.
    static func stringPool(_ strings: [String], utf8: Bool) -> Data {
        var data = Data()
        var offsets: [UInt32] = []
        for string in strings {
            offsets.append(UInt32(data.count))
            if utf8 {
                let bytes = Array(string.utf8)
                data.append(length8(string.utf16.count))
                data.append(length8(bytes.count))
                data.append(contentsOf: bytes)
                data.append(0)
            } else {
                let units = Array(string.utf16)
                if units.count > 0x7FFF {
                    data.append(le16(UInt16(0x8000 | (units.count >> 16))))
                    data.append(le16(UInt16(units.count & 0xFFFF)))
                } else {
                    data.append(le16(UInt16(units.count)))
                }
                for unit in units { data.append(le16(unit)) }
                data.append(le16(0))
            }
        }
        while data.count % 4 != 0 { data.append(0) }
        let headerSize = 28
        let stringsStart = headerSize + 4 * strings.count
        var header = le32(UInt32(strings.count)) + le32(0) + le32(utf8 ? 0x100 : 0)
        header += le32(UInt32(stringsStart)) + le32(0)
        return chunk(type: 0x0001, headerSize: UInt16(headerSize), payload: header + offsets.reduce(Data()) { $0 + le32($1) } + data)
    }

    private static func length8(_ length: Int) -> Data {
        length > 0x7F ? Data([UInt8(0x80 | (length >> 8)), UInt8(length & 0xFF)]) : Data([UInt8(length)])
    }

    /// `ResXMLTree_node` (line number, no comment) followed by its extension.
    private static func node(type: UInt16, extension ext: Data) -> Data {
        chunk(type: type, headerSize: 16, payload: le32(1) + le32(0xFFFF_FFFF) + ext)
    }

    private static func startElement(name: UInt32, attributes: [Data]) -> Data {
        var ext = le32(0xFFFF_FFFF) + le32(name) + le16(20) + le16(20) + le16(UInt16(attributes.count))
        ext += le16(0) + le16(0) + le16(0)
        return node(type: 0x0102, extension: attributes.reduce(ext) { $0 + $1 })
    }

    /// `ResXMLTree_attribute`: ns, name, rawValue, then `Res_value` (size 8, res0, dataType, data).
    private static func attribute(namespace: UInt32, name: UInt32, raw: UInt32, type: UInt8, data: UInt32) -> Data {
        le32(namespace) + le32(name) + le32(raw) + le16(8) + Data([0, type]) + le32(data)
    }

    /// A chunk: `type`, `headerSize`, total size, then `payload` (which holds the rest of the header).
    private static func chunk(type: UInt16, headerSize: UInt16, payload: Data) -> Data {
        le16(type) + le16(headerSize) + le32(UInt32(8 + payload.count)) + payload
    }

    private static func le16(_ value: UInt16) -> Data { Data([UInt8(value & 0xFF), UInt8(value >> 8)]) }

    private static func le32(_ value: UInt32) -> Data {
        Data([UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)])
    }
}
