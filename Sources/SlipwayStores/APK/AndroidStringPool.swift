/// The string pool of an Android binary XML file (`ResStringPool_header`): every element name,
/// attribute name and string value, referenced by index.
///
/// Header after the chunk header: `stringCount u32, styleCount u32, flags u32, stringsStart u32,
/// stylesStart u32`, then `stringCount` u32 offsets relative to `stringsStart`. With `UTF8_FLAG`
/// (0x100) each string is `utf16Length, utf8Length, bytes, 0`, lengths one byte or two (high bit
/// set); otherwise `length u16 (or two u16 with the high bit set), UTF-16LE units, 0x0000`.
/// Strings are decoded when asked for, not up front.
struct AndroidStringPool {
    static let utf8Flag: UInt32 = 0x100

    private let bytes: LittleEndianBytes
    private let offsets: [Int]
    private let stringsStart: Int
    private let end: Int
    let isUTF8: Bool

    var count: Int { offsets.count }

    init(_ bytes: LittleEndianBytes, chunkAt offset: Int, size: Int) throws(APKManifestError) {
        let headerSize = Int(try bytes.u16(at: offset + 2))
        guard headerSize >= 28 else { throw .malformed("the string pool header is \(headerSize) bytes, not 28") }
        let stringCount = Int(try bytes.u32(at: offset + 8))
        let flags = try bytes.u32(at: offset + 16)
        let start = Int(try bytes.u32(at: offset + 20))
        guard stringCount <= (size - headerSize) / 4, start <= size else {
            throw .malformed("the string pool claims \(stringCount) strings, more than its \(size) bytes hold")
        }
        self.bytes = bytes
        self.isUTF8 = flags & Self.utf8Flag != 0
        self.stringsStart = offset + start
        self.end = offset + size
        self.offsets = try (0..<stringCount).map { (i) throws(APKManifestError) in
            Int(try bytes.u32(at: offset + headerSize + i * 4))
        }
    }

    func string(_ index: UInt32) throws(APKManifestError) -> String {
        guard index < offsets.count else {
            throw .malformed("string index \(index) is outside the pool of \(offsets.count) strings")
        }
        var at = stringsStart + offsets[Int(index)]
        guard at < end else { throw .malformed("string \(index) starts past the end of the string pool") }
        if isUTF8 {
            _ = try length8(at: &at)  // length in UTF-16 units; the UTF-8 byte count follows
            let length = try length8(at: &at)
            guard at + length <= end else { throw .malformed("string \(index) runs past the end of the string pool") }
            return String(decoding: try bytes.slice(at, length), as: UTF8.self)
        }
        var length = Int(try bytes.u16(at: at))
        at += 2
        if length & 0x8000 != 0 {
            length = (length & 0x7FFF) << 16 | Int(try bytes.u16(at: at))
            at += 2
        }
        guard at + length * 2 <= end else { throw .malformed("string \(index) runs past the end of the string pool") }
        let units = try (0..<length).map { (i) throws(APKManifestError) in try bytes.u16(at: at + i * 2) }
        return String(decoding: units, as: UTF16.self)
    }

    /// A UTF-8 pool length: one byte, or two when the first has its high bit set.
    private func length8(at offset: inout Int) throws(APKManifestError) -> Int {
        let first = Int(try bytes.u8(at: offset))
        offset += 1
        guard first & 0x80 != 0 else { return first }
        let second = Int(try bytes.u8(at: offset))
        offset += 1
        return (first & 0x7F) << 8 | second
    }
}
