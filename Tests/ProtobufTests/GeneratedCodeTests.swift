import Foundation
@_spi(ProtobufGenerated) import Protobuf
import RestaurantAPI
import Testing
import WellKnownTypes

/// rpcgen is an executable, so its naming and layout rules are tested
/// through what it generated.
@Suite("rpcgen output", .timeLimit(.minutes(2)))
struct GeneratedCodeTests {
    /// `page_size` → `pageSize`, as rpcgen names properties.
    static func lowerCamel(_ protoName: String) -> String {
        let parts = protoName.split(separator: "_")
        guard let first = parts.first else { return protoName }
        return first.lowercased() + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    @Test("properties are the camelCased proto fields, in declaration order; oneofs are one property",
          arguments: restaurantSamples)
    func propertyNames(_ sample: Sample) throws {
        let declared = try #require(try declaredMessageProtos()[sample.fullName])
        var expected: [String] = []
        for field in declared.field {
            if let oneof = field.oneofIndex, let name = declared.oneofDecl[Int(oneof)].name,
               name != "_" + (field.name ?? "") {
                let property = Self.lowerCamel(name)
                if !expected.contains(property) { expected.append(property) }
            } else {
                expected.append(Self.lowerCamel(field.name ?? ""))
            }
        }
        let properties = Mirror(reflecting: sample.message).children.compactMap(\.label)
        #expect(properties == expected)
    }

    @Test("the runtime descriptor's field indexes are the fields ordered by number", arguments: restaurantSamples)
    func fieldIndexesFollowNumbers(_ sample: Sample) throws {
        let declared = try #require(try declaredMessageProtos()[sample.fullName])
        let byNumber = declared.field.sorted { ($0.number ?? 0) < ($1.number ?? 0) }.map { $0.name ?? "" }
        let descriptor = Self.descriptor(of: sample.message)
        #expect(descriptor.fullName == sample.fullName)
        #expect((0..<descriptor.fieldCount).map(descriptor.fieldName(at:)) == byNumber)
    }

    private static func descriptor<M: ProtobufMessage>(of _: M) -> MessageDescriptor { M.protobufDescriptor }

    @Test("encodings list fields in ascending number order, as Python and C++ do", arguments: restaurantSamples)
    func canonicalFieldOrder(_ sample: Sample) throws {
        let fields = try #require(WireScan.fields(try sample.message.serializedBytes()))
        let numbers = fields.map(\.number)
        #expect(numbers == numbers.sorted())
    }

    @Test("type names: swift_prefix, package prefixes, nesting and reserved words")
    func typeNames() {
        #expect(CommonDate.protobufDescriptor.fullName == "restaurant.common.v1.Date")  // swift_prefix "Common"
        #expect(Product.protobufDescriptor.fullName == "restaurant.catalog.v1.Product")  // swift_prefix ""
        #expect(Google_Protobuf_Timestamp.protobufDescriptor.fullName == "google.protobuf.Timestamp")
        #expect(Google_Protobuf_DescriptorProto.ExtensionRange.protobufDescriptor.fullName
                == "google.protobuf.DescriptorProto.ExtensionRange")
        #expect(Google_Protobuf_UninterpretedOption.NamePart.protobufDescriptor.fullName
                == "google.protobuf.UninterpretedOption.NamePart")
        // `Type` would clash with `.Type`: it becomes TypeEnum.
        #expect(Google_Protobuf_FieldDescriptorProto.TypeEnum.int64.protoName == "TYPE_INT64")
        #expect(Google_Protobuf_FieldDescriptorProto.TypeEnum.enum.rawValue == 14)
        #expect(Google_Protobuf_FieldDescriptorProto.Label.repeated.protoName == "LABEL_REPEATED")
        // Keywords are escaped, not renamed.
        var file = Google_Protobuf_FileDescriptorProto()
        file.extension = [.with { $0.name = "x" }]
        #expect(Mirror(reflecting: file).children.contains { $0.label == "extension" })
        // The enum's `ORDER_STATUS_` prefix is stripped from each case name
        // that has it; the other values keep theirs. Naming the cases here
        // checks the Swift names at compile time.
        let statuses: [OrderStatus] = [.unspecified, .pending, .confirmed, .preparing, .ready, .delivered, .cancelled]
        #expect(statuses == OrderStatus.allCases)
        #expect(statuses.map(\.protoName) == ["ORDER_STATUS_UNSPECIFIED", "PENDING", "CONFIRMED", "PREPARING",
                                              "READY", "DELIVERED", "CANCELLED"])
        #expect("\(OrderStatus.unspecified)" == "ORDER_STATUS_UNSPECIFIED")
        #expect(MenuEventType.productDeleted.rawValue == 4)
        #expect(ProductPerformanceSort.revenue.protoName == "REVENUE")
    }

    @Test("proto2 messages keep presence for every singular field")
    func proto2Presence() throws {
        let field = Google_Protobuf_FieldDescriptorProto.with {
            $0.name = ""
            $0.number = 0
            $0.label = .optional
            $0.proto3Optional = false
        }
        let decoded = try Google_Protobuf_FieldDescriptorProto(serializedBytes: field.serializedBytes())
        #expect(decoded == field)
        #expect(decoded.name == "")
        #expect(decoded.number == 0)
        #expect(decoded.proto3Optional == false)
        #expect(decoded.typeName == nil)
        #expect(try Google_Protobuf_FieldDescriptorProto(serializedBytes: [UInt8]()).number == nil)
    }
}
