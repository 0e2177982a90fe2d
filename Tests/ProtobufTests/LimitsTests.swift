import Foundation
import NIOCore
@_spi(ProtobufGenerated) import Protobuf
import RestaurantAPI
import Testing
import WellKnownTypes

/// `levels` DescriptorProtos, each the only nested_type of the one above:
/// a message nested `levels` deep (the outermost counts as depth 1).
func nestedDescriptor(levels: Int) -> Google_Protobuf_DescriptorProto {
    var message = Google_Protobuf_DescriptorProto.with { $0.name = "Level\(levels)" }
    for level in stride(from: levels - 1, through: 1, by: -1) {
        let inner = message
        message = .with {
            $0.name = "Level\(level)"
            $0.nestedType = [inner]
        }
    }
    return message
}

/// The same nesting built as bytes without any recursion: `levels` times
/// field 3 (nested_type), length-delimited, each holding the next.
func nestedDescriptorBytes(levels: Int) -> [UInt8] {
    // lengths[i] = size of the payload at depth i+1 (innermost is empty).
    var lengths = [Int](repeating: 0, count: levels)
    for i in stride(from: levels - 2, through: 0, by: -1) {
        let inner = lengths[i + 1]
        lengths[i] = 1 + Wire.varint(UInt64(inner)).count + inner
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(lengths[0])
    for i in 1..<levels {
        bytes.append(0x1A)  // field 3, wire type 2
        bytes += Wire.varint(UInt64(lengths[i]))
    }
    #expect(bytes.count == lengths[0])
    return bytes
}

@Suite("Decoding limits", .timeLimit(.minutes(2)))
struct LimitsTests {
    // MARK: Size

    @Test("input over maxMessageSize is rejected with both sizes, before it is parsed")
    func messageTooLarge() throws {
        let bytes = try Fixtures.order.serializedBytes()
        let size = bytes.count
        #expect(try Order(serializedBytes: bytes, limits: DecodingLimits(maxMessageSize: size)) == Fixtures.order)
        #expect(throws: ProtobufDecodingError.messageTooLarge(size: size, limit: size - 1)) {
            try Order(serializedBytes: bytes, limits: DecodingLimits(maxMessageSize: size - 1))
        }
        // Garbage that is too large reports its size, not its garbage: the
        // size check comes before the validator and before protobuf-c.
        let garbage = [UInt8](repeating: 0xFF, count: 1_000)
        #expect(throws: ProtobufDecodingError.messageTooLarge(size: 1_000, limit: 999)) {
            try Order(serializedBytes: garbage, limits: DecodingLimits(maxMessageSize: 999))
        }
        #expect(throws: ProtobufDecodingError.messageTooLarge(size: 1, limit: 0)) {
            try Order(serializedBytes: [0x08], limits: DecodingLimits(maxMessageSize: 0))
        }
        #expect(try Order(serializedBytes: [UInt8](), limits: DecodingLimits(maxMessageSize: 0)) == Order())
        // The ByteBuffer path and DynamicMessage check it too.
        #expect(throws: ProtobufDecodingError.messageTooLarge(size: size, limit: 10)) {
            try Order(buffer: ByteBuffer(bytes: bytes), limits: DecodingLimits(maxMessageSize: 10))
        }
        #expect(throws: ProtobufDecodingError.messageTooLarge(size: size, limit: 10)) {
            try DynamicMessage(serializedBytes: bytes, descriptor: Order.protobufDescriptor,
                               limits: DecodingLimits(maxMessageSize: 10))
        }
    }

    @Test("the default limit is 4 MiB")
    func defaultLimit() throws {
        #expect(DecodingLimits.default.maxMessageSize == 4 * 1024 * 1024)
        #expect(DecodingLimits.default.maxDepth == 100)
        let over = [UInt8](repeating: 0xFF, count: 4 * 1024 * 1024 + 1)
        #expect(throws: ProtobufDecodingError.messageTooLarge(size: 4 * 1024 * 1024 + 1, limit: 4 * 1024 * 1024)) {
            try Product(serializedBytes: over)
        }
        // Exactly 4 MiB is not too large (and this one is a valid message).
        var wire = Wire()
        let payload = 4 * 1024 * 1024 - 1 - Wire.varint(UInt64(4 * 1024 * 1024)).count
        wire.lengthDelimited(5, [UInt8](repeating: 0x61, count: payload))
        #expect(wire.bytes.count == 4 * 1024 * 1024)
        #expect(try Product(serializedBytes: wire.bytes).description.utf8.count == payload)
    }

    @Test("the default unpacked-size bound saturates rather than overflowing")
    func unpackedSizeSaturates() throws {
        #expect(DecodingLimits(maxMessageSize: 1024).maxUnpackedSize == 16 * 1024 + 1024 * 1024)
        #expect(DecodingLimits(maxMessageSize: .max).maxUnpackedSize == .max)
        #expect(DecodingLimits(maxMessageSize: Int.max / 16).maxUnpackedSize == .max)  // Only the 1 MiB overflows.
        // Unlimited still decodes.
        let product = Product.with { $0.name = "soup" }
        #expect(try Product(serializedBytes: product.serializedBytes(), limits: DecodingLimits(maxMessageSize: .max)) == product)
    }

    // MARK: Depth

    @Test("depth 100 decodes, depth 101 throws nestingTooDeep")
    func depthLimit() throws {
        let hundred = nestedDescriptor(levels: 100)
        let bytes = try hundred.serializedBytes()
        let decoded = try Google_Protobuf_DescriptorProto(serializedBytes: bytes)
        #expect(decoded == hundred)
        var depth = 1, cursor = decoded
        while let next = cursor.nestedType.first { depth += 1; cursor = next }
        #expect(depth == 100)
        #expect(cursor.name == "Level100")

        let hundredOne = try nestedDescriptor(levels: 101).serializedBytes()
        #expect(throws: ProtobufDecodingError.nestingTooDeep(limit: 100)) {
            try Google_Protobuf_DescriptorProto(serializedBytes: hundredOne)
        }
        // Hand-built bytes agree: 100 decodes, 101 does not.
        #expect(try Google_Protobuf_DescriptorProto(serializedBytes: nestedDescriptorBytes(levels: 100)).nestedType.count == 1)
        #expect(throws: ProtobufDecodingError.nestingTooDeep(limit: 100)) {
            try Google_Protobuf_DescriptorProto(serializedBytes: nestedDescriptorBytes(levels: 101))
        }
    }

    @Test("maxDepth is configurable", arguments: [1, 2, 5, 37])
    func configurableDepth(_ limit: Int) throws {
        let limits = DecodingLimits(maxDepth: limit)
        let atLimit = try nestedDescriptor(levels: limit).serializedBytes()
        #expect(try Google_Protobuf_DescriptorProto(serializedBytes: atLimit, limits: limits) == nestedDescriptor(levels: limit))
        #expect(throws: ProtobufDecodingError.nestingTooDeep(limit: limit)) {
            try Google_Protobuf_DescriptorProto(serializedBytes: nestedDescriptor(levels: limit + 1).serializedBytes(), limits: limits)
        }
    }

    @Test("depth counts every message level, whatever the types")
    func depthAcrossTypes() throws {
        // IngestOrderEventsRequest > OrderEvent > Order > Timestamp: depth 4.
        let bytes = try Fixtures.ingestOrderEventsRequest.serializedBytes()
        #expect(try IngestOrderEventsRequest(serializedBytes: bytes, limits: DecodingLimits(maxDepth: 4))
                == Fixtures.ingestOrderEventsRequest)
        #expect(throws: ProtobufDecodingError.nestingTooDeep(limit: 3)) {
            try IngestOrderEventsRequest(serializedBytes: bytes, limits: DecodingLimits(maxDepth: 3))
        }
        // Map entries are messages too: RatingSummary > entry is depth 2.
        let summary = try Fixtures.ratingSummary.serializedBytes()
        #expect(throws: ProtobufDecodingError.nestingTooDeep(limit: 1)) {
            try RatingSummary(serializedBytes: summary, limits: DecodingLimits(maxDepth: 1))
        }
        #expect(try RatingSummary(serializedBytes: summary, limits: DecodingLimits(maxDepth: 2)) == Fixtures.ratingSummary)
    }

    @Test("100,000 levels of hand-built nesting throw instead of overflowing the stack")
    func hostileDepth() throws {
        let bytes = nestedDescriptorBytes(levels: 100_000)
        #expect(bytes.count > 300_000)
        #expect(throws: ProtobufDecodingError.nestingTooDeep(limit: 100)) {
            try Google_Protobuf_DescriptorProto(serializedBytes: bytes)
        }
        #expect(throws: ProtobufDecodingError.nestingTooDeep(limit: 100)) {
            try DynamicMessage(serializedBytes: bytes, descriptor: Google_Protobuf_DescriptorProto.protobufDescriptor)
        }
        // The same bytes as the contents of an unknown field are opaque:
        // never parsed, so never too deep.
        var wire = Wire()
        wire.varint(1, 42)
        wire.lengthDelimited(99, bytes)
        #expect(try Product(serializedBytes: wire.bytes).id == 42)
    }

    // MARK: Expansion

    @Test("input that would expand far beyond its size is refused before allocating")
    func expansion() throws {
        // Each 2-byte empty element becomes a whole C struct plus a pointer:
        // 2,000,000 of them (4 MB) would ask protobuf-c for hundreds of MB.
        let hostile = [UInt8]((0..<2_000_000).flatMap { _ in [0x0A, 0x00] })
        let error = decodingError { try ListProductsResponse(serializedBytes: hostile) }
        #expect(error == .expansionLimitExceeded(message: "restaurant.catalog.v1.ListProductsResponse"))
        // The limit is configurable; a sparse but modest message is fine.
        let sparse = ListProductsResponse.with { $0.products = Array(repeating: Product(), count: 1_000) }
        #expect(try ListProductsResponse(serializedBytes: sparse.serializedBytes()) == sparse)
        let tight = DecodingLimits(maxUnpackedSize: 64 * 1024)
        #expect(throws: ProtobufDecodingError.expansionLimitExceeded(message: "restaurant.catalog.v1.ListProductsResponse")) {
            try ListProductsResponse(serializedBytes: sparse.serializedBytes(), limits: tight)
        }
    }
}
