import CProtobufC

/// Walks an encoded message before protobuf-c unpacks it, guided by the
/// message's descriptor, and rejects what protobuf-c would accept but must
/// not: nesting deeper than the limit (protobuf-c recurses without bound),
/// strings that are not UTF-8 or hold NUL (they would be cut short), and
/// structurally broken input, reported with a precise reason.
///
/// It reads tags and lengths only; field values are not decoded. On the way
/// it totals what protobuf-c will allocate, so decoding can be given exactly
/// the memory the input needs rather than a guessed multiple of its size.
struct WireValidator {
    let maxDepth: Int
    /// protobuf-c's bookkeeping per field occurrence (a scanned member) plus
    /// its slot in a repeated field's array, rounded up.
    private static let perField = 48
    /// Per nested message: its pointer slot and the arena's rounding.
    private static let perMessage = 32

    /// Validates `bytes` and returns the bytes protobuf-c will allocate to
    /// unpack them, an upper estimate.
    func validate(_ bytes: UnsafeRawBufferPointer, as descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws -> Int {
        var footprint = Int(descriptor.pointee.sizeof_message) + Self.perMessage
        try scan(bytes, descriptor: descriptor, depth: 1, footprint: &footprint)
        return footprint
    }

    private func scan(_ bytes: UnsafeRawBufferPointer,
                      descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
                      depth: Int, footprint: inout Int) throws {
        guard depth <= maxDepth else { throw ProtobufDecodingError.nestingTooDeep(limit: maxDepth) }
        var reader = VarintReader(bytes: bytes)
        while !reader.isAtEnd {
            let key = try reader.varint(in: descriptor)
            footprint += Self.perField
            let number = key >> 3
            guard number > 0 && number <= 536_870_911 else {
                throw malformed(descriptor, "invalid field number \(number)")
            }
            switch key & 7 {
            case 0:
                _ = try reader.varint(in: descriptor)
            case 1:
                try reader.skip(8, in: descriptor)
            case 5:
                try reader.skip(4, in: descriptor)
            case 2:
                let payload = try reader.lengthDelimited(field: number, in: descriptor)
                footprint += payload.count + 1
                guard let field = protobuf_c_message_descriptor_get_field(descriptor, UInt32(number)) else {
                    continue  // Unknown field: protobuf-c keeps its bytes opaque.
                }
                switch field.pointee.type {
                case PROTOBUF_C_TYPE_MESSAGE:
                    let nested = field.nestedMessageDescriptor
                    footprint += Int(nested.pointee.sizeof_message) + Self.perMessage
                    try scan(payload, descriptor: nested, depth: depth + 1, footprint: &footprint)
                case PROTOBUF_C_TYPE_STRING:
                    switch StringCheck(payload) {
                    case .valid: break
                    case .invalidUTF8:
                        throw ProtobufDecodingError.invalidString(field: field.qualifiedName(in: descriptor), reason: "is not valid UTF-8")
                    case .containsNUL:
                        throw ProtobufDecodingError.invalidString(field: field.qualifiedName(in: descriptor), reason: "contains a NUL character")
                    }
                default:
                    // A packed repeated scalar: one array slot (at most 8
                    // bytes) per encoded value, which is at least a byte.
                    if field.pointee.label == PROTOBUF_C_LABEL_REPEATED { footprint += 8 * payload.count }
                }
            case 3, 4:
                throw malformed(descriptor, "field \(number) uses groups, which proto3 does not support")
            default:
                throw malformed(descriptor, "field \(number) has invalid wire type \(key & 7)")
            }
        }
    }
}

private func malformed(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, _ reason: String) -> ProtobufDecodingError {
    .malformed(message: descriptor.fullName, reason: reason)
}

/// A cursor over encoded bytes.
private struct VarintReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var isAtEnd: Bool { offset >= bytes.count }
    var remaining: Int { bytes.count - offset }

    mutating func varint(in descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            guard shift < 64 else { throw malformed(descriptor, "varint longer than 10 bytes") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw malformed(descriptor, "truncated varint")
    }

    mutating func skip(_ count: Int, in descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws {
        guard count <= remaining else { throw malformed(descriptor, "truncated fixed-width field") }
        offset += count
    }

    /// The payload of field `number`, after its length. The length is
    /// checked as read, before it becomes an `Int` (it may not fit one).
    mutating func lengthDelimited(field number: UInt64, in descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws -> UnsafeRawBufferPointer {
        let length = try varint(in: descriptor)
        guard length <= UInt64(remaining) else { throw malformed(descriptor, "field \(number) is truncated") }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
        offset += Int(length)
        return slice
    }
}
