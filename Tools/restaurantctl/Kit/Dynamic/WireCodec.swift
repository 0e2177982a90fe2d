/// A message that is not valid protobuf for its type.
public struct WireFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The protobuf binary format for ``MessageValue``s, driven by descriptors:
/// varint, zigzag, fixed 32/64, length-delimited, groups; repeated scalars
/// packed or not (both are accepted when reading); oneofs (last one wins);
/// message fields that appear more than once are merged; unknown fields
/// are kept and written back.
///
/// Encoding is deterministic: fields in number order, map entries in key
/// order, unknown fields last (as protobuf's deterministic serialization).
public enum WireCodec {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    public static let defaultMaxDepth = 100

    // MARK: Encoding

    public static func encode(_ message: MessageValue, pool: DescriptorPool) throws(WireFormatError) -> [UInt8] {
        guard let type = pool.message(message.typeName) else {
            throw WireFormatError("unknown message type '\(message.typeName)'")
        }
        var output: [UInt8] = []
        try encode(message, type: type, pool: pool, into: &output)
        return output
    }

    static func encode(_ message: MessageValue, type: ProtoMessage, pool: DescriptorPool,
                       into output: inout [UInt8]) throws(WireFormatError) {
        for number in message.fields.keys.sorted() {
            guard let field = type.field(number: number), let value = message.fields[number] else { continue }
            switch value {
            case let .single(single):
                if !field.hasPresence, single.isZero { continue }
                try encodeField(field, single, pool: pool, into: &output)
            case let .repeated(values):
                guard !values.isEmpty else { continue }
                if field.isPacked {
                    var packed: [UInt8] = []
                    for element in values { try encodeValue(element, field: field, pool: pool, into: &packed) }
                    writeTag(field.number, .lengthDelimited, into: &output)
                    writeVarint(UInt64(packed.count), into: &output)
                    output += packed
                } else {
                    for element in values { try encodeField(field, element, pool: pool, into: &output) }
                }
            case let .map(map):
                guard let entryType = field.typeName.flatMap(pool.message),
                      let keyField = entryType.field(number: 1), let valueField = entryType.field(number: 2) else {
                    throw WireFormatError("map field \(field.fullName) has no valid entry type")
                }
                for (key, entryValue) in map.sortedEntries {
                    var entry: [UInt8] = []
                    try encodeField(keyField, key, pool: pool, into: &entry)
                    try encodeField(valueField, entryValue, pool: pool, into: &entry)
                    writeTag(field.number, .lengthDelimited, into: &output)
                    writeVarint(UInt64(entry.count), into: &output)
                    output += entry
                }
            }
        }
        output += message.unknownFields
    }

    /// A tag and a value.
    private static func encodeField(_ field: ProtoField, _ value: ProtoValue, pool: DescriptorPool,
                                    into output: inout [UInt8]) throws(WireFormatError) {
        if field.type == .group {
            writeTag(field.number, .startGroup, into: &output)
            try encodeValue(value, field: field, pool: pool, into: &output)
            writeTag(field.number, .endGroup, into: &output)
            return
        }
        writeTag(field.number, wireType(of: field.type), into: &output)
        try encodeValue(value, field: field, pool: pool, into: &output)
    }

    /// A value without its tag (length-prefixed where the type needs it).
    private static func encodeValue(_ value: ProtoValue, field: ProtoField, pool: DescriptorPool,
                                    into output: inout [UInt8]) throws(WireFormatError) {
        switch (field.type, value) {
        case let (.int32, .int32(v)), let (.enum, .enumNumber(v)):
            writeVarint(UInt64(bitPattern: Int64(v)), into: &output)  // Negative: 10 bytes, sign-extended.
        case let (.sint32, .int32(v)):
            writeVarint(UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31))), into: &output)
        case let (.sfixed32, .int32(v)):
            writeFixed32(UInt32(bitPattern: v), into: &output)
        case let (.int64, .int64(v)):
            writeVarint(UInt64(bitPattern: v), into: &output)
        case let (.sint64, .int64(v)):
            writeVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)), into: &output)
        case let (.sfixed64, .int64(v)):
            writeFixed64(UInt64(bitPattern: v), into: &output)
        case let (.uint32, .uint32(v)):
            writeVarint(UInt64(v), into: &output)
        case let (.fixed32, .uint32(v)):
            writeFixed32(v, into: &output)
        case let (.uint64, .uint64(v)):
            writeVarint(v, into: &output)
        case let (.fixed64, .uint64(v)):
            writeFixed64(v, into: &output)
        case let (.float, .float(v)):
            writeFixed32(v.bitPattern, into: &output)
        case let (.double, .double(v)):
            writeFixed64(v.bitPattern, into: &output)
        case let (.bool, .bool(v)):
            output.append(v ? 1 : 0)
        case let (.string, .string(v)):
            writeVarint(UInt64(v.utf8.count), into: &output)
            output += v.utf8
        case let (.bytes, .bytes(v)):
            writeVarint(UInt64(v.count), into: &output)
            output += v
        case let (.message, .message(v)):
            guard let type = pool.message(v.typeName) else { throw WireFormatError("unknown message type '\(v.typeName)'") }
            var nested: [UInt8] = []
            try encode(v, type: type, pool: pool, into: &nested)
            writeVarint(UInt64(nested.count), into: &output)
            output += nested
        case let (.group, .message(v)):
            guard let type = pool.message(v.typeName) else { throw WireFormatError("unknown message type '\(v.typeName)'") }
            try encode(v, type: type, pool: pool, into: &output)
        default:
            throw WireFormatError("field \(field.fullName) of type \(field.type.protoName) cannot hold \(value)")
        }
    }

    static func wireType(of type: ProtoFieldType) -> WireType {
        switch type {
        case .int32, .int64, .uint32, .uint64, .sint32, .sint64, .bool, .enum: .varint
        case .fixed64, .sfixed64, .double: .fixed64
        case .fixed32, .sfixed32, .float: .fixed32
        case .string, .bytes, .message: .lengthDelimited
        case .group: .startGroup
        }
    }

    static func writeTag(_ number: Int32, _ wireType: WireType, into output: inout [UInt8]) {
        writeVarint(UInt64(UInt32(number)) << 3 | UInt64(wireType.rawValue), into: &output)
    }

    static func writeVarint(_ value: UInt64, into output: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        output.append(UInt8(value))
    }

    static func writeFixed32(_ value: UInt32, into output: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func writeFixed64(_ value: UInt64, into output: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    // MARK: Decoding

    /// Decodes `bytes` as a message of `type`.
    public static func decode(_ bytes: [UInt8], as type: ProtoMessage, pool: DescriptorPool,
                              maxDepth: Int = defaultMaxDepth) throws(WireFormatError) -> MessageValue {
        var message = MessageValue(typeName: type.fullName)
        var reader = Reader(bytes: bytes, position: 0, end: bytes.count)
        try decodeFields(&reader, into: &message, type: type, pool: pool, depth: maxDepth, group: nil)
        return message
    }

    /// Decodes `bytes` as a message named `typeName`.
    public static func decode(_ bytes: [UInt8], typeName: String, pool: DescriptorPool) throws(WireFormatError) -> MessageValue {
        guard let type = pool.message(typeName) else { throw WireFormatError("unknown message type '\(typeName)'") }
        return try decode(bytes, as: type, pool: pool)
    }

    struct Reader {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        var atEnd: Bool { position >= end }

        mutating func varint() throws(WireFormatError) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < end else { throw WireFormatError("truncated varint") }
                let byte = bytes[position]
                position += 1
                if shift == 63, byte > 1 { throw WireFormatError("varint longer than 64 bits") }
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { throw WireFormatError("varint longer than 10 bytes") }
            }
        }

        mutating func fixed32() throws(WireFormatError) -> UInt32 {
            guard end - position >= 4 else { throw WireFormatError("truncated fixed32 value") }
            var value: UInt32 = 0
            for i in 0..<4 { value |= UInt32(bytes[position + i]) << UInt32(8 * i) }
            position += 4
            return value
        }

        mutating func fixed64() throws(WireFormatError) -> UInt64 {
            guard end - position >= 8 else { throw WireFormatError("truncated fixed64 value") }
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(bytes[position + i]) << UInt64(8 * i) }
            position += 8
            return value
        }

        /// The extent of a length-delimited value.
        mutating func lengthDelimited() throws(WireFormatError) -> Range<Int> {
            let length = try varint()
            guard length <= UInt64(end - position) else {
                throw WireFormatError("length-delimited value of \(length) bytes runs past the end of the message")
            }
            let range = position..<(position + Int(length))
            position = range.upperBound
            return range
        }

        mutating func tag() throws(WireFormatError) -> (number: Int32, wireType: WireType) {
            let tag = try varint()
            let number = tag >> 3
            guard number >= 1, number <= 536_870_911 else { throw WireFormatError("invalid field number \(number)") }
            guard let wireType = WireType(rawValue: UInt8(tag & 7)) else {
                throw WireFormatError("invalid wire type \(tag & 7) for field \(number)")
            }
            return (Int32(number), wireType)
        }

        /// Skips a value of `wireType` (groups up to their end tag).
        mutating func skip(_ wireType: WireType, number: Int32, depth: Int) throws(WireFormatError) {
            switch wireType {
            case .varint: _ = try varint()
            case .fixed64: _ = try fixed64()
            case .fixed32: _ = try fixed32()
            case .lengthDelimited: _ = try lengthDelimited()
            case .startGroup:
                guard depth > 0 else { throw WireFormatError("groups nested too deeply") }
                while true {
                    guard !atEnd else { throw WireFormatError("group \(number) has no end tag") }
                    let (innerNumber, innerType) = try tag()
                    if innerType == .endGroup {
                        guard innerNumber == number else { throw WireFormatError("group \(number) ended by end tag \(innerNumber)") }
                        return
                    }
                    try skip(innerType, number: innerNumber, depth: depth - 1)
                }
            case .endGroup:
                throw WireFormatError("unexpected end-group tag for field \(number)")
            }
        }
    }

    /// Reads fields until the reader's end, or for a group until its end tag.
    private static func decodeFields(_ reader: inout Reader, into message: inout MessageValue, type: ProtoMessage,
                                     pool: DescriptorPool, depth: Int, group: Int32?) throws(WireFormatError) {
        guard depth > 0 else { throw WireFormatError("messages nested deeper than \(defaultMaxDepth) levels") }
        while !reader.atEnd {
            let start = reader.position
            let (number, wireType) = try reader.tag()
            if wireType == .endGroup {
                guard let group, group == number else { throw WireFormatError("unexpected end-group tag for field \(number)") }
                return
            }
            if let field = type.field(number: number), try decodeKnown(field, wireType, &reader, into: &message, type: type,
                                                                        pool: pool, depth: depth) {
                continue
            }
            try reader.skip(wireType, number: number, depth: depth)
            message.unknownFields += reader.bytes[start..<reader.position]
        }
        if let group { throw WireFormatError("group \(group) has no end tag") }
    }

    /// Decodes a field the descriptor knows; false when its wire type does
    /// not fit (the field is then kept as unknown, as protobuf does).
    private static func decodeKnown(_ field: ProtoField, _ wireType: WireType, _ reader: inout Reader,
                                    into message: inout MessageValue, type: ProtoMessage, pool: DescriptorPool,
                                    depth: Int) throws(WireFormatError) -> Bool {
        let expected = Self.wireType(of: field.type)
        if field.isMap {
            guard wireType == .lengthDelimited else { return false }
            guard let entryType = field.typeName.flatMap(pool.message),
                  let keyField = entryType.field(number: 1), let valueField = entryType.field(number: 2) else {
                throw WireFormatError("map field \(field.fullName) has no valid entry type")
            }
            let range = try reader.lengthDelimited()
            var entryReader = Reader(bytes: reader.bytes, position: range.lowerBound, end: range.upperBound)
            var entry = MessageValue(typeName: entryType.fullName)
            try decodeFields(&entryReader, into: &entry, type: entryType, pool: pool, depth: depth - 1, group: nil)
            let key = entry.value(1) ?? ProtoValue.defaultValue(for: keyField.type, typeName: keyField.typeName)
            let value = entry.value(2) ?? ProtoValue.defaultValue(for: valueField.type, typeName: valueField.typeName)
            message.setEntry(field, key: key, value: value)
            return true
        }
        if field.isRepeated, field.type.isPackable, wireType == .lengthDelimited {
            let range = try reader.lengthDelimited()
            var packed = Reader(bytes: reader.bytes, position: range.lowerBound, end: range.upperBound)
            var values: [ProtoValue] = []
            while !packed.atEnd {
                values.append(try decodeScalar(field, expected, &packed))
            }
            if case var .repeated(existing)? = message[field.number] {
                message.clear(field.number)
                existing += values
                message[field.number] = .repeated(existing)
            } else {
                message[field.number] = .repeated(values)
            }
            return true
        }
        guard wireType == expected else { return false }
        let value: ProtoValue
        switch field.type {
        case .message, .group:
            guard let nestedType = field.typeName.flatMap(pool.message) else {
                throw WireFormatError("field \(field.fullName) refers to unknown type '\(field.typeName ?? "")'")
            }
            // A singular message seen again is merged into the first.
            var nested: MessageValue
            if !field.isRepeated, case let .message(existing)? = message.value(field.number) {
                nested = existing
            } else {
                nested = MessageValue(typeName: nestedType.fullName)
            }
            if field.type == .group {
                try decodeFields(&reader, into: &nested, type: nestedType, pool: pool, depth: depth - 1, group: field.number)
            } else {
                let range = try reader.lengthDelimited()
                var nestedReader = Reader(bytes: reader.bytes, position: range.lowerBound, end: range.upperBound)
                try decodeFields(&nestedReader, into: &nested, type: nestedType, pool: pool, depth: depth - 1, group: nil)
            }
            value = .message(nested)
        case .string:
            let range = try reader.lengthDelimited()
            let bytes = reader.bytes[range]
            if let text = String(validating: bytes, as: UTF8.self) {
                value = .string(text)
            } else if pool.file(named: type.fileName)?.syntax == "proto3" {
                throw WireFormatError("field \(field.fullName) holds invalid UTF-8")
            } else {
                value = .string(String(decoding: bytes, as: UTF8.self))
            }
        case .bytes:
            value = .bytes(Array(reader.bytes[try reader.lengthDelimited()]))
        default:
            value = try decodeScalar(field, wireType, &reader)
        }
        if field.isRepeated {
            message.append(field, value)
        } else {
            message.set(field, value, in: type)
        }
        return true
    }

    private static func decodeScalar(_ field: ProtoField, _ wireType: WireType, _ reader: inout Reader) throws(WireFormatError) -> ProtoValue {
        switch field.type {
        case .int32: return .int32(Int32(truncatingIfNeeded: try reader.varint()))
        case .int64: return .int64(Int64(bitPattern: try reader.varint()))
        case .uint32: return .uint32(UInt32(truncatingIfNeeded: try reader.varint()))
        case .uint64: return .uint64(try reader.varint())
        case .sint32:
            let raw = UInt32(truncatingIfNeeded: try reader.varint())
            return .int32(Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        case .sint64:
            let raw = try reader.varint()
            return .int64(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        case .bool: return .bool(try reader.varint() != 0)
        case .enum: return .enumNumber(Int32(truncatingIfNeeded: try reader.varint()))
        case .fixed32: return .uint32(try reader.fixed32())
        case .sfixed32: return .int32(Int32(bitPattern: try reader.fixed32()))
        case .float: return .float(Float(bitPattern: try reader.fixed32()))
        case .fixed64: return .uint64(try reader.fixed64())
        case .sfixed64: return .int64(Int64(bitPattern: try reader.fixed64()))
        case .double: return .double(Double(bitPattern: try reader.fixed64()))
        case .string, .bytes, .message, .group:
            throw WireFormatError("field \(field.fullName) cannot be packed")
        }
    }
}
