package import Foundation

/// Decodes the compiled ("binary", AXML) `AndroidManifest.xml` inside an APK, as far as the
/// `<manifest>` element: its `package`, `android:versionCode` and `android:versionName`.
///
/// The format (AOSP `ResourceTypes.h`) is a sequence of chunks, each starting with
/// `type: u16, headerSize: u16, size: u32`, little-endian:
/// - `RES_XML_TYPE` (0x0003) wraps the file;
/// - `RES_STRING_POOL_TYPE` (0x0001) holds every string, UTF-8 or UTF-16 (see `AndroidStringPool`);
/// - `RES_XML_RESOURCE_MAP_TYPE` (0x0180) maps the first string indices to attribute resource ids,
///   which is how shrunk APKs with emptied attribute names are still read;
/// - `RES_XML_START_ELEMENT_TYPE` (0x0102) is an element with its attributes.
/// Every read is bounds-checked: a damaged file is an error, never a crash.
package enum AndroidBinaryXML {
    static let xmlType: UInt16 = 0x0003
    static let stringPoolType: UInt16 = 0x0001
    static let resourceMapType: UInt16 = 0x0180
    static let startElementType: UInt16 = 0x0102
    /// `android:versionCode` and `android:versionName` (`android.R.attr`).
    static let versionCodeID: UInt32 = 0x0101_021b
    static let versionNameID: UInt32 = 0x0101_021c
    static let noIndex: UInt32 = 0xFFFF_FFFF

    /// `Res_value.dataType`s read here.
    enum ValueType {
        static let string: UInt8 = 0x03
        static let decimal: UInt8 = 0x10
        static let hex: UInt8 = 0x11
    }

    package static func manifest(from data: Data) throws(APKManifestError) -> APKManifest {
        let bytes = LittleEndianBytes(Array(data))
        guard bytes.count >= 8 else {
            throw .notBinaryXML("it is \(bytes.count) bytes long, too short for binary XML")
        }
        let type = try bytes.u16(at: 0)
        guard type == xmlType else {
            if let first = data.first(where: { !($0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 || $0 == 0xef || $0 == 0xbb || $0 == 0xbf) }),
                first == UInt8(ascii: "<")
            {
                throw .notBinaryXML("it is plain-text XML")
            }
            throw .notBinaryXML(String(format: "it starts with chunk type 0x%04x, not the XML chunk 0x0003", type))
        }
        let headerSize = Int(try bytes.u16(at: 2))
        let declared = Int(try bytes.u32(at: 4))
        guard declared <= bytes.count else {
            throw .malformed("it is truncated: \(bytes.count) of the \(declared) bytes its header declares")
        }
        let end = declared
        guard headerSize >= 8, headerSize <= end else {
            throw .malformed("the file header claims \(headerSize) bytes")
        }
        var offset = headerSize
        var pool: AndroidStringPool?
        var resourceIDs: [UInt32] = []
        while offset + 8 <= end {
            let chunkType = try bytes.u16(at: offset)
            let chunkHeaderSize = Int(try bytes.u16(at: offset + 2))
            let chunkSize = Int(try bytes.u32(at: offset + 4))
            guard chunkSize >= 8, chunkHeaderSize >= 8, chunkHeaderSize <= chunkSize, offset + chunkSize <= end else {
                throw .malformed("the chunk at offset \(offset) claims \(chunkSize) bytes, past the end of the file")
            }
            switch chunkType {
            case stringPoolType:
                pool = try AndroidStringPool(bytes, chunkAt: offset, size: chunkSize)
            case resourceMapType:
                let count = (chunkSize - chunkHeaderSize) / 4
                resourceIDs = try (0..<count).map { (i) throws(APKManifestError) in
                    try bytes.u32(at: offset + chunkHeaderSize + i * 4)
                }
            case startElementType:
                guard let pool else { throw .malformed("an element comes before the string pool") }
                let element = try StartElement(bytes, chunkAt: offset, headerSize: chunkHeaderSize, size: chunkSize, pool: pool)
                guard element.name == "manifest" else {
                    throw .malformed("the first element is <\(element.name)>, not <manifest>")
                }
                return try manifest(of: element, pool: pool, resourceIDs: resourceIDs)
            default:
                break
            }
            offset += chunkSize
        }
        throw .malformed("there is no <manifest> element")
    }

    private static func manifest(of element: StartElement, pool: AndroidStringPool, resourceIDs: [UInt32])
        throws(APKManifestError) -> APKManifest
    {
        var packageName: String?
        var versionCode: Int64?
        var versionName: String?
        for attribute in element.attributes {
            let id = attribute.nameIndex < resourceIDs.count ? resourceIDs[Int(attribute.nameIndex)] : nil
            let name = try pool.string(attribute.nameIndex)
            if id == versionCodeID || (id == nil && name == "versionCode") {
                if let number = attribute.integer(pool: pool) {
                    versionCode = number
                } else {
                    versionCode = try attribute.text(pool: pool).flatMap { Int64($0) }
                }
            } else if id == versionNameID || (id == nil && name == "versionName") {
                versionName = try attribute.text(pool: pool)
            } else if name == "package" && attribute.namespaceIndex == noIndex {
                packageName = try attribute.text(pool: pool)
            }
        }
        guard let packageName, !packageName.isEmpty else { throw .noPackage }
        return APKManifest(packageName: packageName, versionCode: versionCode, versionName: versionName)
    }

    /// `ResXMLTree_node` + `ResXMLTree_attrExt` and its attributes.
    struct StartElement {
        struct Attribute {
            var namespaceIndex: UInt32
            var nameIndex: UInt32
            var rawValueIndex: UInt32
            var dataType: UInt8
            var data: UInt32

            func text(pool: AndroidStringPool) throws(APKManifestError) -> String? {
                if rawValueIndex != AndroidBinaryXML.noIndex { return try pool.string(rawValueIndex) }
                if dataType == ValueType.string { return try pool.string(data) }
                if let number = integer(pool: pool) { return String(number) }
                return nil
            }

            func integer(pool: AndroidStringPool) -> Int64? {
                dataType == ValueType.decimal || dataType == ValueType.hex ? Int64(data) : nil
            }
        }

        var name: String
        var attributes: [Attribute]

        init(_ bytes: LittleEndianBytes, chunkAt offset: Int, headerSize: Int, size: Int, pool: AndroidStringPool)
            throws(APKManifestError)
        {
            let ext = offset + headerSize
            guard ext + 20 <= offset + size else { throw .malformed("the element at offset \(offset) is truncated") }
            name = try pool.string(try bytes.u32(at: ext + 4))
            let attributeStart = Int(try bytes.u16(at: ext + 8))
            let attributeSize = Int(try bytes.u16(at: ext + 10))
            let count = Int(try bytes.u16(at: ext + 12))
            guard attributeSize >= 20, ext + attributeStart + count * attributeSize <= offset + size else {
                throw .malformed("the attributes of <\(name)> run past their chunk")
            }
            attributes = try (0..<count).map { (i) throws(APKManifestError) in
                let at = ext + attributeStart + i * attributeSize
                return Attribute(
                    namespaceIndex: try bytes.u32(at: at), nameIndex: try bytes.u32(at: at + 4),
                    rawValueIndex: try bytes.u32(at: at + 8), dataType: try bytes.u8(at: at + 15),
                    data: try bytes.u32(at: at + 16))
            }
        }
    }
}

/// Bounds-checked little-endian reads.
struct LittleEndianBytes {
    let storage: [UInt8]

    init(_ storage: [UInt8]) { self.storage = storage }

    var count: Int { storage.count }

    func u8(at offset: Int) throws(APKManifestError) -> UInt8 {
        guard offset >= 0, offset < storage.count else { throw outOfRange(offset, 1) }
        return storage[offset]
    }

    func u16(at offset: Int) throws(APKManifestError) -> UInt16 {
        guard offset >= 0, offset + 2 <= storage.count else { throw outOfRange(offset, 2) }
        return UInt16(storage[offset]) | UInt16(storage[offset + 1]) << 8
    }

    func u32(at offset: Int) throws(APKManifestError) -> UInt32 {
        guard offset >= 0, offset + 4 <= storage.count else { throw outOfRange(offset, 4) }
        return UInt32(storage[offset]) | UInt32(storage[offset + 1]) << 8 | UInt32(storage[offset + 2]) << 16
            | UInt32(storage[offset + 3]) << 24
    }

    func slice(_ offset: Int, _ length: Int) throws(APKManifestError) -> ArraySlice<UInt8> {
        guard offset >= 0, length >= 0, offset + length <= storage.count else { throw outOfRange(offset, length) }
        return storage[offset..<offset + length]
    }

    private func outOfRange(_ offset: Int, _ length: Int) -> APKManifestError {
        .malformed("a read of \(length) bytes at offset \(offset) runs past the end (\(storage.count) bytes)")
    }
}
