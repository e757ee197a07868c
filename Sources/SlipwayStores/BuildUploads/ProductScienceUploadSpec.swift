import Foundation

/// Step 2's answer: how to send the file (`uploadSpec`: method, signed URL, headers) and the build
/// Product Science created for it.
struct ProductScienceBuildAnswer: Codable, Sendable {
    struct UploadSpec: Codable, Sendable {
        var method: String
        /// A signed storage URL. Its query string is the credential: never logged or quoted.
        var url: String
        var headers: [String: String]?
    }

    struct Build: Codable, Sendable {
        var id: ProductScienceID
        var uploadState: String?
        var buildType: String?
    }

    var uploadSpec: UploadSpec
    var build: Build
}

/// Step 1's answer: the upload context every build of one delivery is filed under.
struct ProductScienceContext: Decodable, Sendable {
    var id: ProductScienceID
    var dateCreated: String?
}

/// An id Product Science writes as a number (`28`) in one place and as text (`"28"`) in another;
/// both are read, and it is sent back as a number when it is one.
struct ProductScienceID: Codable, Sendable, Equatable, CustomStringConvertible {
    var text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            text = String(number)
        } else {
            text = try container.decode(String.self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let number = Int64(text) { try container.encode(number) } else { try container.encode(text) }
    }

    var description: String { text }
}

/// The sizes a signed upload URL accepts, from a header such as
/// `X-Goog-Content-Length-Range: 0,1073741824` (both ends inclusive).
struct UploadSizeRange: Sendable, Equatable {
    var minimum: Int64
    var maximum: Int64

    init?(headerValue: String) {
        let parts = headerValue.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let minimum = Int64(parts[0]), let maximum = Int64(parts[1]), minimum <= maximum
        else { return nil }
        self.minimum = minimum
        self.maximum = maximum
    }

    func contains(_ size: Int64) -> Bool { size >= minimum && size <= maximum }
}
