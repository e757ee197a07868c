import Foundation
import ZIPFoundation

/// What Amazon reads from an uploaded APK and lists as its `versionCode`: `android:versionCode`
/// of the compiled `AndroidManifest.xml`. Read here from the bytes the fake received, written from
/// AOSP's `ResourceTypes.h` (string pool, resource map, start-element chunks) apart from Slipway's
/// reader; nil for anything that is not such an APK.
enum FakeAPKVersionCode {
    static let versionCodeResourceID: UInt32 = 0x0101_021b

    static func read(apk: Data) -> Int? {
        guard let archive = try? Archive(data: apk, accessMode: .read, pathEncoding: nil),
            let entry = archive["AndroidManifest.xml"]
        else { return nil }
        var xml = Data()
        guard (try? archive.extract(entry, consumer: { xml.append($0) })) != nil else { return nil }
        return versionCode(binaryXML: [UInt8](xml))
    }

    static func versionCode(binaryXML bytes: [UInt8]) -> Int? {
        func u16(_ at: Int) -> Int? { at + 2 <= bytes.count ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : nil }
        func u32(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
        }
        guard u16(0) == 0x0003 else { return nil }
        var strings: [String] = []
        var resourceIDs: [UInt32] = []
        var offset = 8
        while let type = u16(offset), let headerSize = u16(offset + 2), let size = u32(offset + 4).map(Int.init),
            size >= 8, offset + size <= bytes.count
        {
            switch type {
            case 0x0001: strings = stringPool(bytes, at: offset) ?? []
            case 0x0180: resourceIDs = stride(from: offset + 8, to: offset + size, by: 4).compactMap { u32($0) }
            case 0x0102:
                let ext = offset + headerSize
                guard let attributeStart = u16(ext + 8), let attributeSize = u16(ext + 10), let count = u16(ext + 12)
                else { return nil }
                for index in 0..<count {
                    let attribute = ext + attributeStart + index * attributeSize
                    guard let name = u32(attribute + 4).map(Int.init), let dataType = bytes[safe: attribute + 15],
                        let data = u32(attribute + 16)
                    else { return nil }
                    let isVersionCode =
                        (name < resourceIDs.count && resourceIDs[name] == versionCodeResourceID)
                        || (name < strings.count && strings[name] == "versionCode")
                    if isVersionCode && (dataType == 0x10 || dataType == 0x11) { return Int(data) }
                }
                return nil  // <manifest> is the first element
            default: break
            }
            offset += size
        }
        return nil
    }

    private static func stringPool(_ bytes: [UInt8], at chunk: Int) -> [String]? {
        func u32(_ at: Int) -> Int? {
            guard at + 4 <= bytes.count else { return nil }
            return (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
        }
        guard let headerSize = u32(chunk).map({ ($0 >> 16) & 0xFFFF }), let count = u32(chunk + 8),
            let flags = u32(chunk + 16), let stringsStart = u32(chunk + 20)
        else { return nil }
        let utf8 = flags & 0x100 != 0
        return (0..<count).map { index -> String in
            guard let relative = u32(chunk + headerSize + 4 * index) else { return "" }
            var at = chunk + stringsStart + relative
            if utf8 {
                at += (bytes[safe: at] ?? 0) & 0x80 != 0 ? 2 : 1  // length in UTF-16 units
                guard let first = bytes[safe: at] else { return "" }
                var length = Int(first)
                if first & 0x80 != 0 {
                    length = (Int(first) & 0x7F) << 8 | Int(bytes[safe: at + 1] ?? 0)
                    at += 1
                }
                at += 1
                guard at + length <= bytes.count else { return "" }
                return String(decoding: bytes[at..<at + length], as: UTF8.self)
            }
            guard at + 2 <= bytes.count else { return "" }
            let length = Int(bytes[at]) | Int(bytes[at + 1]) << 8
            at += 2
            guard at + 2 * length <= bytes.count else { return "" }
            let units = (0..<length).map { UInt16(bytes[at + 2 * $0]) | UInt16(bytes[at + 2 * $0 + 1]) << 8 }
            return String(decoding: units, as: UTF16.self)
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate subscript(safe index: Int) -> UInt8? { indices.contains(index) ? self[index] : nil }
}
