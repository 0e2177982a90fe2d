import Foundation
import NIOCore
import Protobuf
import RestaurantAPI
import SeededRandom
import Testing
import WellKnownTypes

/// The error `body` throws, recording an issue when it returns or throws
/// something other than a ``ProtobufDecodingError``.
func decodingError(_ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: () throws -> Any) -> ProtobufDecodingError? {
    do {
        let value = try body()
        Issue.record("expected a decoding error, decoded \(value). \(comment?.rawValue ?? "")",
                     sourceLocation: sourceLocation)
        return nil
    } catch let error as ProtobufDecodingError {
        return error
    } catch {
        Issue.record("expected a ProtobufDecodingError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Whether `error` is `.malformed` for `message` with a reason containing `reason`.
func isMalformed(_ error: ProtobufDecodingError?, _ message: String, _ reason: String) -> Bool {
    if case let .malformed(name, why)? = error { return name == message && why.contains(reason) }
    return false
}

/// Decodes `bytes` as `M`; when that succeeds, checks that the result
/// re-encodes to something that decodes to the same message. Any error
/// other than ProtobufDecodingError is an issue. Returns whether it decoded.
@discardableResult
func decodeStably<M: ProtobufMessage>(_ messageType: M.Type, _ bytes: [UInt8],
                                      sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let decoded: M
    do {
        decoded = try M(serializedBytes: bytes)
    } catch is ProtobufDecodingError {
        return false
    } catch {
        Issue.record("\(M.self): unexpected error \(type(of: error)) for \(hex(bytes))", sourceLocation: sourceLocation)
        return false
    }
    do {
        let encoded = try decoded.serializedBytes()
        let again = try M(serializedBytes: encoded)
        // NaN != NaN: fall back to comparing encodings.
        if again != decoded, try again.serializedBytes() != encoded {
            Issue.record("\(M.self): \(hex(bytes)) decodes to a message that does not survive re-encoding",
                         sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("\(M.self): \(hex(bytes)) decoded, but re-encoding failed: \(error)", sourceLocation: sourceLocation)
    }
    return true
}

/// Real encodings to cut, flip and mutate.
let corpus: [(name: String, bytes: [UInt8], decode: @Sendable ([UInt8]) -> Bool)] = {
    func entry<M: ProtobufMessage>(_ message: M) -> (String, [UInt8], @Sendable ([UInt8]) -> Bool) {
        (String(describing: M.self), try! message.serializedBytes(), { decodeStably(M.self, $0) })
    }
    return [
        entry(Fixtures.order),
        entry(Fixtures.product),
        entry(Fixtures.ratingSummary),
        entry(Fixtures.dailyReport),
        entry(Fixtures.listOrdersRequest),
        entry(Fixtures.getOrderRequestID),
        entry(Fixtures.ingestOrderEventsRequest),
    ]
}()

@Suite("Malformed, truncated and random input", .timeLimit(.minutes(2)))
struct MalformedInputTests {
    @Test("every truncation throws, except at a field boundary, where it decodes")
    func truncations() throws {
        for (name, bytes, decode) in corpus {
            let boundaries = WireScan.fieldBoundaries(bytes)
            #expect(boundaries.count >= 2, "\(name) should have a field")
            var threw = 0
            for length in 0..<bytes.count {
                let decoded = decode(Array(bytes[..<length]))
                #expect(decoded == boundaries.contains(length),
                        "\(name) cut to \(length) of \(bytes.count) bytes: decoded = \(decoded)")
                if !decoded { threw += 1 }
            }
            #expect(threw > bytes.count / 2, "\(name): most cuts fall inside a field")
        }
        // And the type-specific error for a cut inside the first field.
        let order = try Fixtures.order.serializedBytes()
        let error = decodingError { try Order(serializedBytes: Array(order[..<10])) }
        #expect(isMalformed(error, "restaurant.order.v1.Order", "truncated"), "\(String(describing: error))")
    }

    @Test("single bit flips throw or decode to something stable, never crash")
    func bitFlips() throws {
        for (name, bytes, decode) in corpus {
            var decodedCount = 0, thrownCount = 0
            for index in bytes.indices {
                for bit in 0..<8 {
                    var flipped = bytes
                    flipped[index] ^= 1 << bit
                    if decode(flipped) { decodedCount += 1 } else { thrownCount += 1 }
                }
            }
            #expect(thrownCount > 0, "\(name): some flips must break the encoding")
            #expect(decodedCount > 0, "\(name): some flips only change a value")
        }
    }

    @Test("10,000 random buffers throw or decode, never crash (seeded)")
    func randomBuffers() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        let decoders: [([UInt8]) -> Bool] = [
            { decodeStably(Order.self, $0) },
            { decodeStably(Product.self, $0) },
            { decodeStably(RatingSummary.self, $0) },
            { decodeStably(DailyReport.self, $0) },
            { decodeStably(ListOrdersRequest.self, $0) },
            { decodeStably(GetOrderRequest.self, $0) },
            { decodeStably(Google_Protobuf_DescriptorProto.self, $0) },
        ]
        var decoded = 0
        for iteration in 0..<10_000 {
            let count = Int.random(in: 0...64, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if iteration % 2 == 1, !bytes.isEmpty {
                // Half of them start with a plausible tag, to get past the first byte.
                bytes[0] = UInt8(Int.random(in: 1...12, using: &rng) << 3 | [0, 1, 2, 5].randomElement(using: &rng)!)
            }
            if decoders[iteration % decoders.count](bytes) { decoded += 1 }
        }
        #expect(decoded > 0)
        #expect(decoded < 10_000)
    }

    @Test("5,000 random mutations of real encodings throw or decode, never crash (seeded)")
    func mutations() {
        var rng = SplitMix64(seed: 0x5EED_0002)
        for iteration in 0..<5_000 {
            let (_, original, decode) = corpus[iteration % corpus.count]
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<max(bytes.count, 1), using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: min(position, bytes.count))
                case 2 where !bytes.isEmpty: bytes.remove(at: position)
                default: bytes.insert(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], at: min(position, bytes.count))
                }
            }
            _ = decode(bytes)
        }
    }

    @Test("invalid wire types 6 and 7 throw", arguments: [UInt64(6), 7])
    func invalidWireTypes(_ wireType: UInt64) {
        for field: UInt64 in [1, 2, 99] {
            let bytes = Wire.tag(field, wireType) + [0x01, 0x02, 0x03]
            let error = decodingError { try Product(serializedBytes: bytes) }
            #expect(isMalformed(error, "restaurant.catalog.v1.Product", "invalid wire type \(wireType)"),
                    "field \(field): \(String(describing: error))")
        }
    }

    @Test("groups (wire types 3 and 4) throw, known field number or not")
    func groups() {
        let cases: [[UInt8]] = [
            Wire.tag(1, 3) + Wire.tag(1, 4),                       // empty group on a known number
            Wire.tag(99, 3) + Wire.tag(1, 0) + [1] + Wire.tag(99, 4),  // unknown group with content
            Wire.tag(99, 4),                                       // stray end-group
            Wire.tag(1, 0) + [0x2A] + Wire.tag(50, 3),             // after a valid field, unterminated
        ]
        for bytes in cases {
            let error = decodingError { try Product(serializedBytes: bytes) }
            #expect(isMalformed(error, "restaurant.catalog.v1.Product", "groups"), "\(hex(bytes)): \(String(describing: error))")
        }
        // Inside a nested message, the nested type is named.
        var wire = Wire()
        wire.lengthDelimited(12, Wire.tag(7, 3) + Wire.tag(7, 4))
        let error = decodingError { try Product(serializedBytes: wire.bytes) }
        #expect(isMalformed(error, "restaurant.catalog.v1.ProductRating", "groups"), "\(String(describing: error))")
    }

    @Test("varints longer than 10 bytes throw, wherever they are")
    func longVarints() throws {
        let eleven = [UInt8](repeating: 0xFF, count: 10) + [0x01]
        let cases: [[UInt8]] = [
            Wire.tag(1, 0) + eleven,                 // a value
            eleven + [0x00],                         // a tag
            Wire.tag(4, 2) + eleven + [0x41],        // a length
            Wire.tag(1, 0) + [UInt8](repeating: 0x80, count: 20) + [0x00],
        ]
        for bytes in cases {
            let error = decodingError { try Product(serializedBytes: bytes) }
            #expect(isMalformed(error, "restaurant.catalog.v1.Product", "varint longer than 10 bytes"),
                    "\(hex(bytes)): \(String(describing: error))")
        }
        // Ten bytes is the longest legal varint: -1 as an int64.
        let ten = Wire.tag(1, 0) + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        #expect(try Product(serializedBytes: ten).id == -1)
        // A varint that never ends.
        let error = decodingError { try Product(serializedBytes: Wire.tag(1, 0) + [0xFF, 0xFF]) }
        #expect(isMalformed(error, "restaurant.catalog.v1.Product", "truncated varint"), "\(String(describing: error))")
    }

    @Test("length prefixes and fixed-width fields past the end throw")
    func pastTheEnd() {
        let cases: [[UInt8]] = [
            Wire.tag(4, 2) + [0x05, 0x61, 0x62],                  // string: 5 announced, 2 present
            Wire.tag(4, 2) + Wire.varint(UInt64.max) + [0x61],    // absurd length
            Wire.tag(4, 2) + Wire.varint(1 << 63),                // length beyond Int
            Wire.tag(12, 2) + [0x7F] + Wire.tag(1, 1),            // nested message cut short
            Wire.tag(99, 2) + [0x10, 0x00],                       // unknown field cut short
            Wire.tag(1, 1) + [0, 0, 0],                           // fixed64 with 3 bytes
            Wire.tag(99, 5) + [0, 0],                             // fixed32 with 2 bytes
        ]
        for bytes in cases {
            let error = decodingError { try Product(serializedBytes: bytes) }
            #expect(isMalformed(error, "restaurant.catalog.v1.Product", "truncated"), "\(hex(bytes)): \(String(describing: error))")
        }
        // Cut inside a nested message: its own length overruns the parent's.
        var inner = Wire()
        inner.lengthDelimited(2, [0x61])
        var outer = Wire()
        outer.lengthDelimited(5, Array(inner.bytes.dropLast()))
        let error = decodingError { try Order(serializedBytes: outer.bytes) }
        #expect(isMalformed(error, "restaurant.order.v1.OrderItem", "truncated"), "\(String(describing: error))")
    }

    @Test("field number 0 and numbers above 2^29-1 throw")
    func invalidFieldNumbers() {
        for bytes in [[0x00, 0x01], Wire.tag(0, 2) + [0x00], Wire.tag(1 << 29, 0) + [0x01]] as [[UInt8]] {
            let error = decodingError { try Product(serializedBytes: bytes) }
            #expect(isMalformed(error, "restaurant.catalog.v1.Product", "invalid field number"), "\(hex(bytes)): \(String(describing: error))")
        }
        // The largest legal number is an (unknown) field like any other.
        var wire = Wire()
        wire.varint((1 << 29) - 1, 5)
        wire.varint(1, 42)
        #expect((try? Product(serializedBytes: wire.bytes))?.id == 42)
    }

    @Test("a known field with the wrong wire type throws")
    func wrongWireType() {
        let cases: [(UInt64, [UInt8])] = [
            (4, Wire.tag(4, 0) + [0x01]),                  // string as varint
            (1, Wire.tag(1, 2) + [0x01, 0x01]),            // int64 as length-delimited (not repeated)
            (12, Wire.tag(12, 0) + [0x01]),                // message as varint
            (1, Wire.tag(1, 5) + [0, 0, 0, 0]),            // int64 as fixed32
        ]
        for (field, bytes) in cases {
            _ = decodingError("field \(field)") { try Product(serializedBytes: bytes) }
        }
    }

    @Test("repeated scalars are accepted packed and unpacked, mixed")
    func packedAndUnpacked() throws {
        var unpacked = Wire()
        for id: UInt64 in [1, 2, 3] { unpacked.varint(1, id) }
        #expect(try BatchGetProductsRequest(serializedBytes: unpacked.bytes).ids == [1, 2, 3])

        var mixed = Wire()
        mixed.varint(1, 1)
        mixed.lengthDelimited(1, Wire.varint(2) + Wire.varint(3))
        mixed.varint(1, UInt64(bitPattern: -4))
        #expect(try BatchGetProductsRequest(serializedBytes: mixed.bytes).ids == [1, 2, 3, -4])

        var statuses = Wire()
        statuses.varint(2, 1)
        statuses.varint(2, 999)
        #expect(try ListOrdersRequest(serializedBytes: statuses.bytes).statuses == [.pending, .unrecognized(999)])

        // An empty packed run is zero elements.
        var empty = Wire()
        empty.lengthDelimited(1, [])
        #expect(try BatchGetProductsRequest(serializedBytes: empty.bytes).ids == [])
        // A packed run cut inside a varint is malformed.
        var cut = Wire()
        cut.lengthDelimited(1, [0x01, 0x80])
        _ = decodingError { try BatchGetProductsRequest(serializedBytes: cut.bytes) }
    }

    // MARK: Strings

    static let invalidSequences: [[UInt8]] = [
        [0xC0, 0x80],               // overlong NUL
        [0xC1, 0xBF],               // overlong
        [0xE0, 0x80, 0x80],         // overlong 3-byte
        [0xE0, 0x9F, 0xBF],         // overlong 3-byte, top
        [0xED, 0xA0, 0x80],         // surrogate U+D800
        [0xED, 0xBF, 0xBF],         // surrogate U+DFFF
        [0xF0, 0x80, 0x80, 0x80],   // overlong 4-byte
        [0xF0, 0x8F, 0xBF, 0xBF],   // overlong 4-byte, top
        [0xF4, 0x90, 0x80, 0x80],   // above U+10FFFF
        [0xF5, 0x80, 0x80, 0x80],   // lead byte out of range
        [0xFF], [0xFE],             // never valid
        [0x80], [0x41, 0xBF],       // lone continuation bytes
        [0xC2],                     // truncated 2-byte at the end
        [0xE2, 0x82],               // truncated 3-byte at the end
        [0xF0, 0x9F, 0x98],         // truncated 4-byte at the end
        [0xC2, 0x41],               // bad continuation
        [0xE2, 0x28, 0xA1],
        [0xE1, 0x80, 0xC0],
        [0xF0, 0x9F, 0x28, 0x8C],
        [0xF0, 0x9F, 0x98, 0x41],
    ]

    @Test("invalid UTF-8 in a string field throws invalidString naming the field", arguments: invalidSequences)
    func invalidUTF8(_ sequence: [UInt8]) {
        let payload = Array("ok ".utf8) + sequence + Array(" end".utf8)
        for (field, build) in Self.stringFieldCarriers {
            let error = decodingError { try build(payload) }
            guard case let .invalidString(name, reason)? = error else {
                Issue.record("\(field) with \(hex(sequence)): \(String(describing: error))")
                continue
            }
            #expect(name == field)
            #expect(reason.contains("UTF-8"), "\(reason)")
        }
    }

    @Test("valid UTF-8 at the edges of each range decodes to the same String")
    func validUTF8() throws {
        let edges: [[UInt8]] = [
            [0x7F], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
            [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], Array("é🍰𝄞".utf8),
        ]
        for sequence in edges {
            var wire = Wire()
            wire.lengthDelimited(4, sequence)
            let product = try Product(serializedBytes: wire.bytes)
            #expect(Array(product.name.utf8) == sequence)
            #expect(try product.serializedBytes() == wire.bytes)
        }
    }

    /// Where a string can hide: a plain field, a repeated one, a oneof, a
    /// nested message, a message inside a repeated message.
    static let stringFieldCarriers: [(String, @Sendable ([UInt8]) throws -> Any)] = [
        ("restaurant.catalog.v1.Product.name", { payload in
            var wire = Wire(); wire.varint(1, 5); wire.lengthDelimited(4, payload)
            return try Product(serializedBytes: wire.bytes)
        }),
        ("restaurant.catalog.v1.Product.tags", { payload in
            var wire = Wire(); wire.string(11, "fine"); wire.lengthDelimited(11, payload)
            return try Product(serializedBytes: wire.bytes)
        }),
        ("restaurant.order.v1.GetOrderRequest.order_number", { payload in
            var wire = Wire(); wire.lengthDelimited(2, payload)
            return try GetOrderRequest(serializedBytes: wire.bytes)
        }),
        ("restaurant.order.v1.OrderItem.notes", { payload in
            var item = Wire(); item.varint(1, 1); item.lengthDelimited(6, payload)
            var order = Wire(); order.string(1, "id"); order.lengthDelimited(5, item.bytes)
            return try Order(serializedBytes: order.bytes)
        }),
        ("restaurant.order.v1.OrderItem.product_name", { payload in
            var item = Wire(); item.lengthDelimited(2, payload)
            var order = Wire(); order.lengthDelimited(5, item.bytes)
            var event = Wire(); event.lengthDelimited(3, order.bytes)
            var batch = Wire(); batch.lengthDelimited(1, event.bytes)
            return try IngestOrderEventsRequest(serializedBytes: batch.bytes)
        }),
    ]

    @Test("NUL inside a string field throws invalidString", arguments: [
        [UInt8(0)], [0x61, 0x00, 0x62], [0x61, 0x62, 0x00], Array("😀".utf8) + [0x00],
    ])
    func nulInString(_ payload: [UInt8]) {
        for (field, build) in Self.stringFieldCarriers {
            let error = decodingError { try build(payload) }
            guard case let .invalidString(name, reason)? = error else {
                Issue.record("\(field) with \(hex(payload)): \(String(describing: error))")
                continue
            }
            #expect(name == field)
            #expect(reason.contains("NUL"), "\(reason)")
        }
    }

    @Test("NUL in a bytes field or an unknown field is fine")
    func nulElsewhere() throws {
        var wire = Wire()
        wire.varint(1, 42)
        wire.lengthDelimited(99, [0x00, 0xFF, 0x00])  // unknown: opaque
        #expect(try Product(serializedBytes: wire.bytes).id == 42)
        let mask = Google_Protobuf_BytesValue.with { $0.value = Data([0, 1, 0]) }
        #expect(try Google_Protobuf_BytesValue(serializedBytes: mask.serializedBytes()) == mask)
    }

    @Test("encoding a String containing NUL throws stringContainsNUL naming the field")
    func encodeNUL() throws {
        let cases: [(String, () throws -> [UInt8])] = [
            ("restaurant.catalog.v1.Product.name", { try Product.with { $0.name = "a\0b" }.serializedBytes() }),
            ("restaurant.catalog.v1.Product.name", { try Product.with { $0.name = "\0" }.serializedBytes() }),
            ("restaurant.catalog.v1.Product.tags", { try Product.with { $0.tags = ["ok", "x\0"] }.serializedBytes() }),
            ("restaurant.order.v1.GetOrderRequest.id", { try GetOrderRequest.with { $0.lookup = .id("\0") }.serializedBytes() }),
            ("restaurant.order.v1.OrderItem.notes", {
                try Order.with { $0.items = [Fixtures.orderItem, .with { $0.notes = "tail\0" }] }.serializedBytes()
            }),
            ("google.protobuf.FieldMask.paths", {
                try UpdateProductRequest.with { $0.updateMask = .init(paths: ["na\0me"]) }.serializedBytes()
            }),
        ]
        for (field, encode) in cases {
            #expect(throws: ProtobufEncodingError.stringContainsNUL(field: field)) { try encode() }
        }
        // The ByteBuffer path throws too, and leaves the buffer as it was.
        var buffer = ByteBuffer(bytes: [1, 2, 3])
        #expect(throws: ProtobufEncodingError.self) { try Product.with { $0.name = "a\0" }.serialize(into: &buffer) }
        #expect(buffer.readableBytesView.elementsEqual([1, 2, 3]))
    }
}
