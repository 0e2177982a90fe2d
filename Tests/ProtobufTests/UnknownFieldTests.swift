import Foundation
import Protobuf
import RestaurantAPI
import Testing
import WellKnownTypes

@Suite("Unknown fields are skipped", .timeLimit(.minutes(2)))
struct UnknownFieldTests {
    /// One unknown field of every wire type proto3 uses, with awkward
    /// numbers: just above the known ones, a large one, and the largest.
    static func unknownFields(_ base: UInt64) -> [UInt8] {
        var wire = Wire()
        wire.varint(base, 150)                                 // varint
        wire.varint(base + 1, UInt64.max)                      // 10-byte varint
        wire.fixed64(base + 2, 0x0102_0304_0506_0708)          // 64-bit
        wire.lengthDelimited(base + 3, Array("unknown".utf8))  // length-delimited
        wire.lengthDelimited(base + 4, [])                     // empty length-delimited
        wire.fixed32(base + 5, 0xDEAD_BEEF)                    // 32-bit
        wire.varint(536_870_911, 1)                            // the largest field number
        // Opaque payloads are not validated: bad UTF-8, NUL, and bytes that
        // would be a deep message if they were parsed.
        wire.lengthDelimited(base + 6, [0xFF, 0x00, 0xC0, 0x80])
        wire.lengthDelimited(base + 7, [UInt8](repeating: 0x0A, count: 64))
        return wire.bytes
    }

    @Test("unknown fields before, between and after known fields decode to the known fields")
    func topLevel() throws {
        let known = try Fixtures.product.serializedBytes()
        let fields = try #require(WireScan.fields(known))
        let middle = fields[fields.count / 2].range.upperBound

        let variants: [[UInt8]] = [
            Self.unknownFields(100) + known,
            known + Self.unknownFields(100),
            Array(known[..<middle]) + Self.unknownFields(1_000) + Array(known[middle...]),
            Self.unknownFields(17) + known + Self.unknownFields(200_000),
        ]
        for bytes in variants {
            let decoded = try Product(serializedBytes: bytes)
            #expect(decoded == Fixtures.product)
            // Unknown fields are dropped, not carried into the re-encoding.
            #expect(try decoded.serializedBytes() == known)
        }
        // A message made of unknown fields only is the default message.
        #expect(try Product(serializedBytes: Self.unknownFields(100)) == Product())
    }

    @Test("unknown fields inside nested messages, map entries and oneof messages are skipped")
    func nested() throws {
        // Order with an unknown field inside an item and inside a timestamp.
        var item = Wire()
        item.varint(1, 42)
        item.raw(Self.unknownFields(50))
        item.string(2, "Soup")
        var timestamp = Wire()
        timestamp.varint(1, 1_700_000_000)
        timestamp.raw(Self.unknownFields(3))
        timestamp.varint(2, 7)
        var order = Wire()
        order.string(1, "id-1")
        order.lengthDelimited(5, item.bytes)
        order.lengthDelimited(8, timestamp.bytes)
        order.raw(Self.unknownFields(20))  // above Order's highest field
        let decoded = try Order(serializedBytes: order.bytes)
        #expect(decoded == Order.with {
            $0.id = "id-1"
            $0.items = [.with { $0.productId = 42; $0.productName = "Soup" }]
            $0.createdAt = Fixtures.ts(1_700_000_000, 7)
        })

        // A map entry with an extra field keeps its key and value.
        var entry = Wire()
        entry.varint(1, 5)
        entry.raw(Self.unknownFields(3))
        entry.varint(2, 100)
        var summary = Wire()
        summary.varint(1, 42)
        summary.lengthDelimited(4, entry.bytes)
        #expect(try RatingSummary(serializedBytes: summary.bytes) == .with { $0.productId = 42; $0.histogram = [5: 100] })

        // A oneof next to unknown fields.
        var lookup = Wire()
        lookup.raw(Self.unknownFields(3))
        lookup.string(2, "ORD-1")
        lookup.raw(Self.unknownFields(10))
        #expect(try GetOrderRequest(serializedBytes: lookup.bytes).lookup == .orderNumber("ORD-1"))
    }

    @Test("a message from a newer contract decodes to the fields this build knows")
    func newerContract() throws {
        // What a future OrderItem with a `discount_cents = 7` and a
        // `modifiers = 8` submessage list looks like to us.
        var future = Wire()
        future.varint(1, 42)
        future.varint(3, 2)
        future.varint(7, 150)
        var modifier = Wire()
        modifier.string(1, "extra cheese")
        modifier.varint(2, 50)
        future.lengthDelimited(8, modifier.bytes)
        future.lengthDelimited(8, modifier.bytes)
        #expect(try OrderItem(serializedBytes: future.bytes) == .with { $0.productId = 42; $0.quantity = 2 })
    }
}
