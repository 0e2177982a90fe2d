import Foundation
@_spi(ProtobufGenerated) import Protobuf
import RestaurantAPI
import Testing
import WellKnownTypes

@Suite("Well-known types, enums and DynamicMessage", .timeLimit(.minutes(2)))
struct WellKnownTypesTests {
    // MARK: Timestamp

    @Test("Timestamp from Date splits seconds and nanos, flooring before 1970", arguments: [
        (0.0, Int64(0), Int32(0)),
        (1_700_000_000.5, 1_700_000_000, 500_000_000),
        (1.25, 1, 250_000_000),
        (-1.25, -2, 750_000_000),
        (-0.5, -1, 500_000_000),
        (-1.0, -1, 0),
        (-62_135_596_800, -62_135_596_800, 0),  // 0001-01-01T00:00:00Z
        (253_402_300_799, 253_402_300_799, 0),  // 9999-12-31T23:59:59Z
        (0.999_999_999_9, 1, 0),                // rounds up into the next second
        (-0.000_000_000_1, 0, 0),               // and from just below zero up to zero
    ])
    func timestampFromDate(_ interval: Double, _ seconds: Int64, _ nanos: Int32) {
        let timestamp = Google_Protobuf_Timestamp(Date(timeIntervalSince1970: interval))
        #expect(timestamp.seconds == seconds)
        #expect(timestamp.nanos == nanos)
        #expect(timestamp.nanos >= 0 && timestamp.nanos < 1_000_000_000)
    }

    @Test("Timestamp to Date and back")
    func timestampRoundTrip() throws {
        for (seconds, nanos): (Int64, Int32) in [(0, 0), (1_700_000_000, 250_000_000), (-2, 750_000_000),
                                                 (-62_135_596_800, 0), (86_400, 1_000)] {
            let timestamp = Fixtures.ts(seconds, nanos)
            let date = timestamp.date
            #expect(abs(date.timeIntervalSince1970 - (Double(seconds) + Double(nanos) / 1e9)) < 1e-6)
            let back = Google_Protobuf_Timestamp(date)
            #expect(back.seconds == seconds)
            #expect(abs(Int(back.nanos) - Int(nanos)) < 1_000, "\(seconds).\(nanos) came back as \(back)")
            // And through the wire.
            #expect(try Google_Protobuf_Timestamp(serializedBytes: timestamp.serializedBytes()) == timestamp)
        }
        // A date before 1970 with a fraction: the same instant, nanos positive.
        let date = Date(timeIntervalSince1970: -86_400.75)
        let timestamp = Google_Protobuf_Timestamp(date)
        #expect(timestamp == Fixtures.ts(-86_401, 250_000_000))
        #expect(timestamp.date == date)
        // Real calendar dates.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let moonLanding = calendar.date(from: DateComponents(year: 1969, month: 7, day: 20, hour: 20, minute: 17))!
        #expect(Google_Protobuf_Timestamp(moonLanding) == Fixtures.ts(-14_182_980, 0))
    }

    @Test("Timestamp validity follows the protobuf range")
    func timestampValidity() {
        #expect(Fixtures.ts(0, 0).isValid)
        #expect(Fixtures.ts(-62_135_596_800, 0).isValid)
        #expect(!Fixtures.ts(-62_135_596_801, 999_999_999).isValid)
        #expect(Fixtures.ts(253_402_300_799, 999_999_999).isValid)
        #expect(!Fixtures.ts(253_402_300_800, 0).isValid)
        #expect(!Fixtures.ts(0, -1).isValid)
        #expect(!Fixtures.ts(0, 1_000_000_000).isValid)
        let now = Google_Protobuf_Timestamp.now
        #expect(now.isValid)
        #expect(abs(now.date.timeIntervalSinceNow) < 5)
    }

    // MARK: Duration

    @Test("Duration from Swift.Duration keeps the sign in both parts", arguments: [
        (Duration.zero, Int64(0), Int32(0)),
        (.seconds(5) + .nanoseconds(123), 5, 123),
        (.milliseconds(1_500), 1, 500_000_000),
        (.milliseconds(-1_500), -1, -500_000_000),
        (.nanoseconds(-1), 0, -1),
        (.seconds(-315_576_000_000), -315_576_000_000, 0),
        (.seconds(315_576_000_000) + .nanoseconds(999_999_999), 315_576_000_000, 999_999_999),
    ])
    func durationFromSwift(_ duration: Duration, _ seconds: Int64, _ nanos: Int32) throws {
        let proto = Google_Protobuf_Duration(duration)
        #expect(proto.seconds == seconds)
        #expect(proto.nanos == nanos)
        #expect(proto.duration == duration)
        #expect(try Google_Protobuf_Duration(serializedBytes: proto.serializedBytes()).duration == duration)
    }

    @Test("Duration truncates below a nanosecond")
    func durationTruncates() {
        let fine = Duration.nanoseconds(7) + Duration(secondsComponent: 0, attosecondsComponent: 999_999_999)
        #expect(Google_Protobuf_Duration(fine).nanos == 7)
        #expect(Google_Protobuf_Duration(.microseconds(-2)).nanos == -2_000)
    }

    // MARK: FieldMask

    @Test("FieldMask helpers")
    func fieldMask() throws {
        let mask = Google_Protobuf_FieldMask(paths: ["price_cents", "rating", "tags"])
        #expect(mask.paths == ["price_cents", "rating", "tags"])
        #expect(mask.covers("price_cents"))
        #expect(mask.covers("rating.average"))
        #expect(mask.covers("rating.average.deep"))
        #expect(!mask.covers("price"))
        #expect(!mask.covers("ratings"))
        #expect(!mask.covers("tags_extra"))
        #expect(!mask.covers(""))
        #expect(!Google_Protobuf_FieldMask().covers("anything"))
        #expect(mask.paths(notIn: ["price_cents", "tags"]) == ["rating"])
        #expect(mask.paths(notIn: ["price_cents", "rating", "tags"]) == [])
        #expect(Google_Protobuf_FieldMask(paths: ["b", "a", "b"]).paths(notIn: []) == ["b", "a", "b"])
        #expect(try Google_Protobuf_FieldMask(serializedBytes: mask.serializedBytes()) == mask)
    }

    // MARK: Wrappers and other well-known messages

    @Test("wrapper and empty messages round-trip")
    func wrappers() throws {
        try roundTrip(Google_Protobuf_Empty())
        try roundTrip(Google_Protobuf_DoubleValue.with { $0.value = -2.5 })
        try roundTrip(Google_Protobuf_FloatValue.with { $0.value = 3.25 })
        try roundTrip(Google_Protobuf_Int64Value.with { $0.value = .min })
        try roundTrip(Google_Protobuf_UInt64Value.with { $0.value = .max })
        try roundTrip(Google_Protobuf_Int32Value.with { $0.value = -1 })
        try roundTrip(Google_Protobuf_UInt32Value.with { $0.value = .max })
        try roundTrip(Google_Protobuf_BoolValue.with { $0.value = true })
        try roundTrip(Google_Protobuf_StringValue.with { $0.value = "ünïcødé" })
        try roundTrip(Google_Protobuf_BytesValue.with { $0.value = Data([0, 0xFF, 0x80]) })
        #expect(try Google_Protobuf_Empty().serializedBytes() == [])
        // Unsigned and float encodings, checked by hand.
        #expect(try Google_Protobuf_UInt32Value.with { $0.value = 300 }.serializedBytes() == [0x08, 0xAC, 0x02])
        #expect(try Google_Protobuf_FloatValue.with { $0.value = 1 }.serializedBytes() == [0x0D, 0x00, 0x00, 0x80, 0x3F])
        #expect(try Google_Protobuf_Int32Value.with { $0.value = -1 }.serializedBytes()
                == [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
    }

    private func roundTrip<M: ProtobufMessage>(_ message: M, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try M(serializedBytes: message.serializedBytes()) == message, sourceLocation: sourceLocation)
    }

    // MARK: Enums

    /// Every enum of the contract, by full proto name, as (number, proto name)
    /// pairs read from the generated Swift type.
    static let restaurantEnums: [String: [(Int32, String?)]] = [
        "restaurant.catalog.v1.ProductSort": ProductSort.allCases.map { ($0.rawValue, $0.protoName) },
        "restaurant.catalog.v1.MenuEventType": MenuEventType.allCases.map { ($0.rawValue, $0.protoName) },
        "restaurant.catalog.v1.DietaryRestriction": DietaryRestriction.allCases.map { ($0.rawValue, $0.protoName) },
        "restaurant.order.v1.OrderStatus": OrderStatus.allCases.map { ($0.rawValue, $0.protoName) },
        "restaurant.order.v1.OrderEventType": OrderEventType.allCases.map { ($0.rawValue, $0.protoName) },
        "restaurant.analytics.v1.ProductPerformanceSort": ProductPerformanceSort.allCases.map { ($0.rawValue, $0.protoName) },
    ]

    @Test("generated enums list exactly the values the descriptor set declares")
    func enumsMatchDescriptors() throws {
        var declared: [String: [(Int32, String?)]] = [:]
        for file in RestaurantAPIDescriptorSet.files where file.name.hasPrefix("restaurant/") {
            let proto = try Google_Protobuf_FileDescriptorProto(serializedBytes: file.serialized)
            for enumeration in proto.enumType {
                declared["\(proto.package ?? "").\(enumeration.name ?? "")"] =
                    enumeration.value.map { ($0.number ?? -1, $0.name) }
            }
            #expect(proto.messageType.allSatisfy { $0.enumType.isEmpty }, "nested enums need a line in restaurantEnums")
        }
        #expect(Set(declared.keys) == Set(Self.restaurantEnums.keys))
        for (name, values) in declared {
            let generated = Self.restaurantEnums[name] ?? []
            #expect(generated.map(\.0) == values.map(\.0), "\(name) numbers")
            #expect(generated.map(\.1) == values.map(\.1), "\(name) names")
        }
    }

    @Test("enums: raw values, names, defaults and unknown values")
    func enumBehaviour() {
        func check<E: ProtobufEnum>(_: E.Type, zero: E) {
            for value in E.allCases {
                #expect(E(rawValue: value.rawValue) == value)
                #expect(value.protoName != nil)
                #expect(value.description == value.protoName)
            }
            #expect(Set(E.allCases.map(\.rawValue)).count == E.allCases.count)
            #expect(E(rawValue: 0) == zero)
            for unknown: Int32 in [999, -1, .max, .min] {
                let value = E(rawValue: unknown)
                #expect(value.rawValue == unknown)
                #expect(value.protoName == nil)
                #expect(value.description == String(unknown))
                #expect(!E.allCases.contains(value))
            }
        }
        check(ProductSort.self, zero: .unspecified)
        check(MenuEventType.self, zero: .unspecified)
        check(OrderStatus.self, zero: .unspecified)
        check(OrderEventType.self, zero: .unspecified)
        check(ProductPerformanceSort.self, zero: .unspecified)
        #expect(ProductSort() == .unspecified)
        #expect(OrderStatus.unrecognized(999) == OrderStatus(rawValue: 999))
        #expect(OrderStatus.delivered.protoName == "DELIVERED")
        #expect(ProductSort.priceAsc.protoName == "PRICE_ASC")
        #expect(MenuEventType.productAvailabilityChanged.protoName == "MENU_EVENT_TYPE_PRODUCT_AVAILABILITY_CHANGED")
        #expect(OrderEventType.statusChanged.rawValue == 2)
    }

    @Test("unknown enum values survive a round trip: singular, repeated, nested")
    func unknownEnumsSurvive() throws {
        let event = OrderEvent.with {
            $0.type = .unrecognized(77)
            $0.previousStatus = .unrecognized(-3)
            $0.order = .with { $0.status = .unrecognized(999) }
        }
        #expect(try OrderEvent(serializedBytes: event.serializedBytes()) == event)
        let watch = WatchOrdersRequest.with { $0.statuses = [.unrecognized(1_000_000), .ready, .unrecognized(.min)] }
        #expect(try WatchOrdersRequest(serializedBytes: watch.serializedBytes()).statuses == watch.statuses)
        // And as the peer wrote it: status = 999 by hand.
        var wire = Wire()
        wire.varint(4, 999)
        #expect(try Order(serializedBytes: wire.bytes).status == .unrecognized(999))
    }

    // MARK: DynamicMessage

    @Test("DynamicMessage reads a FileDescriptorSet")
    func dynamicMessageReadsDescriptorSet() throws {
        let files = try RestaurantAPIDescriptorSet.files.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0.serialized) }
        let set = Google_Protobuf_FileDescriptorSet.with { $0.file = files }
        let bytes = try set.serializedBytes()
        // Typed and dynamic decodes of the same bytes agree.
        #expect(try Google_Protobuf_FileDescriptorSet(serializedBytes: bytes) == set)

        let dynamic = try DynamicMessage(serializedBytes: bytes, descriptor: Google_Protobuf_FileDescriptorSet.protobufDescriptor)
        #expect(dynamic.typeName == "google.protobuf.FileDescriptorSet")
        let dynamicFiles = dynamic.messages("file")
        #expect(dynamicFiles.count == files.count)
        #expect(dynamicFiles.map { $0.string("name") } == files.map(\.name))
        #expect(dynamicFiles.map { $0.string("package") } == files.map(\.package))
        #expect(dynamicFiles.map { $0.strings("dependency") } == files.map(\.dependency))

        let catalog = try #require(dynamicFiles.first { $0.string("name") == "restaurant/catalog/v1/catalog.proto" })
        #expect(catalog.typeName == "google.protobuf.FileDescriptorProto")
        #expect(catalog.string("syntax") == "proto3")
        #expect(catalog.message("options")?.string("swift_prefix") == "")
        let product = try #require(catalog.messages("message_type").first { $0.string("name") == "Product" })
        let fields = product.messages("field")
        #expect(fields.count == 16)
        let calories = try #require(fields.first { $0.string("name") == "calories" })
        #expect(calories.int("number") == 8)
        #expect(calories.int("type") == 5)            // TYPE_INT32
        #expect(calories.int("label") == 1)           // LABEL_OPTIONAL
        #expect(calories.int("oneof_index") == 0)     // in `oneof _calories`
        #expect(calories.string("json_name") == "calories")
        let tags = try #require(fields.first { $0.string("name") == "tags" })
        #expect(tags.int("label") == 3)               // LABEL_REPEATED
        let rating = try #require(fields.first { $0.string("name") == "rating" })
        #expect(rating.string("type_name") == ".restaurant.catalog.v1.ProductRating")
        #expect(product.messages("oneof_decl").map { $0.string("name") } == ["_calories"])
        // Unset proto2 fields are absent, not defaults.
        #expect(calories.string("default_value") == nil)
        #expect(calories.bool("proto3_optional") == nil)
        // Services with streaming flags.
        let service = try #require(catalog.messages("service").first)
        #expect(service.string("name") == "CatalogService")
        let methods = service.messages("method")
        #expect(methods.contains { $0.string("name") == "WatchMenu" && $0.bool("server_streaming") == true })
        #expect(methods.contains { $0.string("name") == "GetProduct" && $0.bool("server_streaming") == nil })
        // Enum values, with numbers.
        let sort = try #require(catalog.messages("enum_type").first { $0.string("name") == "ProductSort" })
        #expect(sort.messages("value").map { $0.int("number") } == [0, 1, 2, 3, 4, 5, 6])
        // Map entries keep their flag, which the runtime descriptors lose.
        let rating2 = try #require(dynamicFiles.first { $0.string("name") == "restaurant/rating/v1/rating.proto" })
        let summary = try #require(rating2.messages("message_type").first { $0.string("name") == "RatingSummary" })
        let entry = try #require(summary.messages("nested_type").first)
        #expect(entry.string("name") == "HistogramEntry")
        #expect(entry.message("options")?.bool("map_entry") == true)
        #expect(dynamic.fields.keys.sorted() == ["file"])
    }

    @Test("DynamicMessage applies the same limits and validation")
    func dynamicMessageLimits() throws {
        let descriptor = Product.protobufDescriptor
        #expect(descriptor.fullName == "restaurant.catalog.v1.Product")
        #expect(descriptor.fieldCount == 16)
        #expect((0..<descriptor.fieldCount).map(descriptor.fieldName(at:)).prefix(4) == ["id", "category_id", "category_name", "name"])

        let dynamic = try DynamicMessage(serializedBytes: Fixtures.product.serializedBytes(), descriptor: descriptor)
        #expect(dynamic.int("id") == 42)
        #expect(dynamic.string("name") == Fixtures.product.name)
        #expect(dynamic.strings("tags") == Fixtures.product.tags)
        #expect(dynamic.int("calories") == 0)          // present in the oneof, and zero
        #expect(dynamic.bool("archived") == true)
        #expect(dynamic.message("rating")?.fields["average"] == .double(4.25))
        let updated = try #require(dynamic.message("updated_at"))  // present although all zero
        #expect(updated.typeName == "google.protobuf.Timestamp")
        #expect(updated.fields == ["seconds": .int(0), "nanos": .int(0)])

        var unset = Fixtures.product
        unset.calories = nil
        let withoutCalories = try DynamicMessage(serializedBytes: unset.serializedBytes(), descriptor: descriptor)
        #expect(withoutCalories.int("calories") == nil)
        #expect(withoutCalories.int("id") == 42)

        var bad = Wire()
        bad.lengthDelimited(4, [0x61, 0x00])
        #expect(throws: ProtobufDecodingError.self) { try DynamicMessage(serializedBytes: bad.bytes, descriptor: descriptor) }
        #expect(throws: ProtobufDecodingError.self) { try DynamicMessage(serializedBytes: [0x0F], descriptor: descriptor) }
    }
}
