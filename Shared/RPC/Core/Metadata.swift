import Foundation

/// gRPC custom metadata: ordered key/value pairs carried in headers and
/// trailers. Keys are lowercase; keys ending in `-bin` hold binary values,
/// base64-encoded on the wire.
public struct Metadata: Sendable, Hashable, Sequence {
    public enum Value: Sendable, Hashable, CustomStringConvertible {
        case string(String)
        case binary([UInt8])

        public var description: String {
            switch self {
            case let .string(string): string
            case let .binary(bytes): "<\(bytes.count) bytes>"
            }
        }
    }

    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: Value
    }

    private(set) var entries: [Entry] = []

    public init() {}

    /// Metadata holding `pairs` as text values, in order.
    public init(_ pairs: [(String, String)]) {
        for (key, value) in pairs { add(key, value) }
    }

    /// Appends a text value. `key` is lowercased.
    public mutating func add(_ key: String, _ value: String) {
        entries.append(Entry(key: key.lowercased(), value: .string(value)))
    }

    /// Appends a binary value; `key` must end in `-bin`.
    public mutating func add(_ key: String, binary value: [UInt8]) {
        let key = key.lowercased()
        precondition(key.hasSuffix("-bin"), "binary metadata keys end in -bin")
        entries.append(Entry(key: key, value: .binary(value)))
    }

    /// Replaces every value of `key` with `value`.
    public mutating func replace(_ key: String, _ value: String) {
        removeAll(key)
        add(key, value)
    }

    public mutating func removeAll(_ key: String) {
        let key = key.lowercased()
        entries.removeAll { $0.key == key }
    }

    /// The first text value of `key`.
    public subscript(key: String) -> String? {
        let key = key.lowercased()
        for entry in entries where entry.key == key {
            if case let .string(value) = entry.value { return value }
        }
        return nil
    }

    /// The first binary value of `key`.
    public func binary(_ key: String) -> [UInt8]? {
        let key = key.lowercased()
        for entry in entries where entry.key == key {
            if case let .binary(value) = entry.value { return value }
        }
        return nil
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }

    /// Appends every entry of `other`.
    public mutating func merge(_ other: Metadata) {
        entries += other.entries
    }

    /// Whether `key` is reserved for the transport and may not be sent as
    /// custom metadata.
    static func isReserved(_ key: String) -> Bool {
        key.hasPrefix(":") || key.hasPrefix("grpc-") || reservedKeys.contains(key)
    }

    private static let reservedKeys: Set<String> = ["content-type", "te", "user-agent", "host", "connection", "content-length", "transfer-encoding"]
}

extension Metadata {
    /// Reads custom metadata from received header fields, skipping reserved
    /// keys and decoding `-bin` values (padded or not). An undecodable binary
    /// value is dropped rather than failing the call.
    init(headerFields fields: some Sequence<(name: String, value: String)>) {
        for (name, value) in fields where !Metadata.isReserved(name) {
            if name.hasSuffix("-bin") {
                // Several binary values may arrive joined by commas.
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    if let bytes = Base64.decode(String(part.trimmingHTTPWhitespace)) {
                        entries.append(Entry(key: name, value: .binary(bytes)))
                    }
                }
            } else {
                entries.append(Entry(key: name, value: .string(value)))
            }
        }
    }

    /// The metadata as header fields: binary values base64-encoded, text
    /// values trimmed. Entries HTTP/2 could not carry (reserved keys, keys
    /// outside gRPC's `0-9 a-z _ - .`, text outside printable ASCII) are
    /// dropped rather than sent to make the peer reset the stream.
    var headerFields: [(name: String, value: String)] {
        entries.compactMap { entry in
            guard !Metadata.isReserved(entry.key), Metadata.isValidKey(entry.key) else { return nil }
            switch entry.value {
            case let .string(value):
                let trimmed = value[...].trimmingHTTPWhitespace
                guard trimmed.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { return nil }
                // Most values need no trimming: keep them rather than copy them.
                return (entry.key, trimmed.endIndex == value.endIndex && trimmed.startIndex == value.startIndex ? value : String(trimmed))
            case let .binary(bytes):
                return (entry.key, Data(bytes).base64EncodedString())
            }
        }
    }

    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}

/// Base64 that accepts the unpadded form gRPC peers may send.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var padded = text
        let remainder = padded.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { padded += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: padded).map { [UInt8]($0) }
    }
}
