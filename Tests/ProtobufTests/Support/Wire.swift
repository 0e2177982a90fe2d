/// Hand-built protobuf wire bytes, and a small independent reader of them.
///
/// The tests use these instead of the code under test, so malformed,
/// unknown and deeply nested inputs are spelled out byte by byte.
struct Wire {
    var bytes: [UInt8] = []

    init() {}
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }

    static func tag(_ field: UInt64, _ wireType: UInt64) -> [UInt8] { varint(field << 3 | wireType) }

    @discardableResult
    mutating func raw(_ more: [UInt8]) -> Wire { bytes += more; return self }

    mutating func varint(_ field: UInt64, _ value: UInt64) {
        bytes += Self.tag(field, 0) + Self.varint(value)
    }

    mutating func fixed64(_ field: UInt64, _ value: UInt64) {
        bytes += Self.tag(field, 1) + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    mutating func fixed32(_ field: UInt64, _ value: UInt32) {
        bytes += Self.tag(field, 5) + (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    mutating func lengthDelimited(_ field: UInt64, _ payload: [UInt8]) {
        bytes += Self.tag(field, 2) + Self.varint(UInt64(payload.count)) + payload
    }

    mutating func string(_ field: UInt64, _ value: String) {
        lengthDelimited(field, Array(value.utf8))
    }
}

/// One top-level field of an encoding, as an independent parser sees it.
struct WireField: Equatable {
    var number: UInt64
    var wireType: UInt64
    /// The field's bytes after the tag (value, or length prefix and payload).
    var range: Range<Int>
    /// For length-delimited fields, the payload's range.
    var payload: Range<Int>?
}

enum WireScan {
    /// The top-level fields of `bytes`, or nil when they do not parse.
    /// Deliberately tiny and strict: varints of at most 10 bytes, wire types
    /// 0, 1, 2 and 5 only.
    static func fields(_ bytes: [UInt8]) -> [WireField]? {
        var fields: [WireField] = []
        var offset = 0
        func readVarint() -> UInt64? {
            var value: UInt64 = 0
            for shift in stride(from: UInt64(0), to: 70, by: 7) {
                guard offset < bytes.count else { return nil }
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
            }
            return nil
        }
        while offset < bytes.count {
            guard let key = readVarint() else { return nil }
            let start = offset
            var payload: Range<Int>?
            switch key & 7 {
            case 0:
                guard readVarint() != nil else { return nil }
            case 1:
                guard offset + 8 <= bytes.count else { return nil }
                offset += 8
            case 5:
                guard offset + 4 <= bytes.count else { return nil }
                offset += 4
            case 2:
                guard let length = readVarint(), length <= UInt64(bytes.count - offset) else { return nil }
                payload = offset..<offset + Int(length)
                offset += Int(length)
            default:
                return nil
            }
            fields.append(WireField(number: key >> 3, wireType: key & 7, range: start..<offset, payload: payload))
        }
        return fields
    }

    /// The offsets at which a top-level field ends: exactly the prefix
    /// lengths that are themselves complete encodings.
    static func fieldBoundaries(_ bytes: [UInt8]) -> Set<Int> {
        var ends: Set<Int> = [0]
        for field in fields(bytes) ?? [] { ends.insert(field.range.upperBound) }
        return ends
    }
}
