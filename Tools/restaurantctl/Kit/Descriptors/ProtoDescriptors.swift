import Foundation
import RPC
import WellKnownTypes

/// The protobuf field types, numbered as in `FieldDescriptorProto.Type`.
public enum ProtoFieldType: Int32, Sendable, Hashable {
    case double = 1, float = 2, int64 = 3, uint64 = 4, int32 = 5, fixed64 = 6, fixed32 = 7, bool = 8
    case string = 9, group = 10, message = 11, bytes = 12, uint32 = 13, `enum` = 14
    case sfixed32 = 15, sfixed64 = 16, sint32 = 17, sint64 = 18

    /// The name as written in a .proto file (`int64`, `sfixed32`).
    public var protoName: String {
        switch self {
        case .double: "double"
        case .float: "float"
        case .int64: "int64"
        case .uint64: "uint64"
        case .int32: "int32"
        case .fixed64: "fixed64"
        case .fixed32: "fixed32"
        case .bool: "bool"
        case .string: "string"
        case .group: "group"
        case .message: "message"
        case .bytes: "bytes"
        case .uint32: "uint32"
        case .enum: "enum"
        case .sfixed32: "sfixed32"
        case .sfixed64: "sfixed64"
        case .sint32: "sint32"
        case .sint64: "sint64"
        }
    }

    /// Whether values of this type may be packed in a repeated field.
    public var isPackable: Bool {
        switch self {
        case .string, .bytes, .message, .group: false
        default: true
        }
    }
}

/// One field of a message type.
public struct ProtoField: Sendable {
    public enum Label: Sendable, Hashable { case optional, required, repeated }

    public let name: String
    /// The lowerCamelCase name used in JSON (`json_name`, or derived).
    public let jsonName: String
    public let number: Int32
    public let type: ProtoFieldType
    public let label: Label
    /// The fully qualified message or enum type, without a leading dot.
    public let typeName: String?
    /// The index of the oneof in the containing message (real or synthetic).
    public let oneofIndex: Int?
    /// A proto3 `optional` field (member of a synthetic oneof).
    public let isProto3Optional: Bool
    /// Whether an unset field differs from one set to its default value.
    public let hasPresence: Bool
    /// Whether repeated values are written packed.
    public let isPacked: Bool
    /// A map field: repeated entries of a map-entry message.
    public let isMap: Bool
    /// The proto2 default value as the .proto spells it.
    public let defaultValue: String?
    /// The containing message's full name.
    public let containingType: String
    public let proto: Google_Protobuf_FieldDescriptorProto

    public var isRepeated: Bool { label == .repeated }
    public var fullName: String { "\(containingType).\(name)" }
}

/// A oneof of a message type. Synthetic oneofs wrap proto3 `optional` fields.
public struct ProtoOneof: Sendable, Hashable {
    public let name: String
    public let fieldNumbers: [Int32]
    public let isSynthetic: Bool
}

/// A message type.
public final class ProtoMessage: Sendable {
    public let fullName: String
    public let name: String
    /// The file that declares it.
    public let fileName: String
    /// Fields in declaration order.
    public let fields: [ProtoField]
    public let oneofs: [ProtoOneof]
    public let isMapEntry: Bool
    public let proto: Google_Protobuf_DescriptorProto
    /// The location path of the declaration in its file's source info.
    let sourcePath: [Int32]
    private let byNumber: [Int32: Int]
    private let byName: [String: Int]

    init(fullName: String, fileName: String, fields: [ProtoField], oneofs: [ProtoOneof],
         proto: Google_Protobuf_DescriptorProto, sourcePath: [Int32]) {
        self.fullName = fullName
        self.name = proto.name ?? ""
        self.fileName = fileName
        self.fields = fields
        self.oneofs = oneofs
        self.isMapEntry = proto.options?.mapEntry ?? false
        self.proto = proto
        self.sourcePath = sourcePath
        var byNumber: [Int32: Int] = [:]
        var byName: [String: Int] = [:]
        for (index, field) in fields.enumerated() {
            byNumber[field.number] = index
            byName[field.name] = index
        }
        // JSON names second: an original name wins over another field's json name.
        for (index, field) in fields.enumerated() where byName[field.jsonName] == nil {
            byName[field.jsonName] = index
        }
        self.byNumber = byNumber
        self.byName = byName
    }

    public func field(number: Int32) -> ProtoField? {
        byNumber[number].map { fields[$0] }
    }

    /// The field called `name` in JSON: its json name or its original name.
    public func field(named name: String) -> ProtoField? {
        byName[name].map { fields[$0] }
    }
}

/// An enum type.
public final class ProtoEnum: Sendable {
    public struct Value: Sendable, Hashable {
        public let name: String
        public let number: Int32
    }

    public let fullName: String
    public let name: String
    public let fileName: String
    public let values: [Value]
    /// proto2 enums are closed: unknown numbers are not valid values.
    public let isClosed: Bool
    public let proto: Google_Protobuf_EnumDescriptorProto
    let sourcePath: [Int32]
    private let byName: [String: Int32]
    private let byNumber: [Int32: String]

    init(fullName: String, fileName: String, isClosed: Bool, proto: Google_Protobuf_EnumDescriptorProto, sourcePath: [Int32]) {
        self.fullName = fullName
        self.name = proto.name ?? ""
        self.fileName = fileName
        self.values = proto.value.map { Value(name: $0.name ?? "", number: $0.number ?? 0) }
        self.isClosed = isClosed
        self.proto = proto
        self.sourcePath = sourcePath
        var byName: [String: Int32] = [:]
        var byNumber: [Int32: String] = [:]
        for value in values {
            byName[value.name] = value.number
            if byNumber[value.number] == nil { byNumber[value.number] = value.name }  // First alias wins.
        }
        self.byName = byName
        self.byNumber = byNumber
    }

    public func number(named name: String) -> Int32? { byName[name] }
    public func name(of number: Int32) -> String? { byNumber[number] }
    /// The value numbered 0 (the proto3 default), or the first value.
    public var defaultNumber: Int32 { byNumber[0] != nil ? 0 : (values.first?.number ?? 0) }
}

/// One method of a service.
public struct ProtoMethod: Sendable {
    public let name: String
    /// The service's full name.
    public let service: String
    public let inputType: String
    public let outputType: String
    public let clientStreaming: Bool
    public let serverStreaming: Bool
    public let proto: Google_Protobuf_MethodDescriptorProto
    let sourcePath: [Int32]

    public var fullName: String { "\(service).\(name)" }
    /// The HTTP/2 path, `/pkg.Service/Method`.
    public var path: String { "/\(service)/\(name)" }

    public var kind: RPCKind {
        switch (clientStreaming, serverStreaming) {
        case (false, false): .unary
        case (false, true): .serverStreaming
        case (true, false): .clientStreaming
        case (true, true): .bidirectionalStreaming
        }
    }
}

extension RPCKind {
    /// How the kind is described to users.
    public var displayName: String {
        switch self {
        case .unary: "unary"
        case .serverStreaming: "server streaming"
        case .clientStreaming: "client streaming"
        case .bidirectionalStreaming: "bidi streaming"
        }
    }
}

/// A service.
public final class ProtoService: Sendable {
    public let fullName: String
    public let name: String
    public let fileName: String
    public let methods: [ProtoMethod]
    public let proto: Google_Protobuf_ServiceDescriptorProto
    let sourcePath: [Int32]

    init(fullName: String, fileName: String, methods: [ProtoMethod], proto: Google_Protobuf_ServiceDescriptorProto, sourcePath: [Int32]) {
        self.fullName = fullName
        self.name = proto.name ?? ""
        self.fileName = fileName
        self.methods = methods
        self.proto = proto
        self.sourcePath = sourcePath
    }

    public func method(named name: String) -> ProtoMethod? {
        methods.first { $0.name == name }
    }
}

/// One .proto file.
public final class ProtoFile: Sendable {
    public let name: String
    public let package: String
    /// `proto2`, `proto3` or `editions`.
    public let syntax: String
    public let dependencies: [String]
    public let proto: Google_Protobuf_FileDescriptorProto
    /// Leading and trailing comments by location path (`"4.0.2.1"`).
    let comments: [String: (leading: String?, trailing: String?)]

    init(proto: Google_Protobuf_FileDescriptorProto) {
        self.name = proto.name ?? ""
        self.package = proto.package ?? ""
        self.syntax = proto.syntax.flatMap { $0.isEmpty ? nil : $0 } ?? "proto2"
        self.dependencies = proto.dependency
        self.proto = proto
        var comments: [String: (leading: String?, trailing: String?)] = [:]
        for location in proto.sourceCodeInfo?.location ?? [] {
            guard location.leadingComments != nil || location.trailingComments != nil else { continue }
            let key = location.path.map(String.init).joined(separator: ".")
            if comments[key] == nil { comments[key] = (location.leadingComments, location.trailingComments) }
        }
        self.comments = comments
    }

    /// The comment written before (or else after) the declaration at `path`.
    func comment(at path: [Int32]) -> String? {
        guard let entry = comments[path.map(String.init).joined(separator: ".")] else { return nil }
        let text = entry.leading ?? entry.trailing
        return text.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
    }
}
