/// The parts of a `.proto` file that code generation needs, read from a
/// `google.protobuf.FileDescriptorSet`.
struct ProtoFile {
    var name: String
    var package: String
    var syntax: String
    var dependencies: [String]
    /// `option swift_prefix`, when the file sets it (possibly to "").
    var swiftPrefix: String?
    var messages: [ProtoMessage]
    var enums: [ProtoEnum]
    var services: [ProtoService]
    var comments: SourceComments
    /// The file's encoded `FileDescriptorProto`, for embedding.
    var serialized: [UInt8]

    var isProto3: Bool { syntax == "proto3" }
}

struct ProtoMessage {
    var name: String
    var fullName: String
    var fields: [ProtoField]
    var oneofs: [ProtoOneof]
    var messages: [ProtoMessage]
    var enums: [ProtoEnum]
    var isMapEntry: Bool
    /// Where the message sits in the file, for its comments.
    var path: [Int]
}

struct ProtoField {
    enum Label: Int { case optional = 1, required = 2, repeated = 3 }

    /// `FieldDescriptorProto.Type`.
    enum Kind: Int {
        case double = 1, float, int64, uint64, int32, fixed64, fixed32, bool, string, group,
             message, bytes, uint32, enumeration, sfixed32, sfixed64, sint32, sint64
    }

    var name: String
    var number: Int
    var label: Label
    var kind: Kind
    /// Fully qualified type name without the leading dot, for messages and enums.
    var typeName: String?
    var oneofIndex: Int?
    var isProto3Optional: Bool
    var path: [Int]
}

struct ProtoOneof {
    var name: String
    /// Indexes into the message's `fields`.
    var fieldIndexes: [Int]
    var path: [Int]
}

struct ProtoEnum {
    struct Value {
        var name: String
        var number: Int32
        var path: [Int]
    }

    var name: String
    var fullName: String
    var values: [Value]
    var path: [Int]
}

struct ProtoService {
    var name: String
    var fullName: String
    var methods: [ProtoMethod]
    var path: [Int]
}

struct ProtoMethod {
    var name: String
    var inputType: String
    var outputType: String
    var clientStreaming: Bool
    var serverStreaming: Bool
    /// `option idempotency_level`: 0 unknown, 1 NO_SIDE_EFFECTS, 2 IDEMPOTENT.
    var idempotencyLevel: Int
    var path: [Int]
}
