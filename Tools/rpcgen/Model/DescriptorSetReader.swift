@_spi(ProtobufGenerated) import Protobuf
import RestaurantProtosC

/// Reads a `FileDescriptorSet` (as `protoc --include_imports
/// --include_source_info` writes it) into ``ProtoFile`` values, decoding it
/// with protoc-c's code for descriptor.proto.
enum DescriptorSetReader {
    static func read(_ bytes: [UInt8]) throws -> [ProtoFile] {
        let set = try DynamicMessage(serializedBytes: bytes,
                                     descriptor: MessageDescriptor(pbc_google__protobuf__file_descriptor_set()),
                                     limits: .descriptorSets)
        let rawFiles = WireFields.lengthDelimited(number: 1, in: bytes[...])
        let files = set.messages("file")
        guard rawFiles.count == files.count else {
            throw RPCGenError("descriptor set holds \(files.count) files but \(rawFiles.count) encoded entries")
        }
        return zip(files, rawFiles).map { file(from: $0, serialized: Array($1)) }
    }

    private static func file(from file: DynamicMessage, serialized: [UInt8]) -> ProtoFile {
        let package = file.string("package") ?? ""
        let locations = file.message("source_code_info")?.messages("location").map { location in
            (path: location.ints("path").map(Int.init), leading: location.string("leading_comments") ?? "")
        } ?? []
        return ProtoFile(
            name: file.string("name") ?? "",
            package: package,
            syntax: file.string("syntax") ?? "proto2",
            dependencies: file.strings("dependency"),
            swiftPrefix: file.message("options")?.string("swift_prefix"),
            messages: file.messages("message_type").enumerated().map {
                message(from: $1, scope: package, path: [SourcePath.fileMessage, $0])
            },
            enums: file.messages("enum_type").enumerated().map {
                enumeration(from: $1, scope: package, path: [SourcePath.fileEnum, $0])
            },
            services: file.messages("service").enumerated().map {
                service(from: $1, scope: package, path: [SourcePath.fileService, $0])
            },
            comments: SourceComments(locations: locations),
            serialized: serialized)
    }

    private static func qualified(_ scope: String, _ name: String) -> String {
        scope.isEmpty ? name : scope + "." + name
    }

    private static func message(from message: DynamicMessage, scope: String, path: [Int]) -> ProtoMessage {
        let name = message.string("name") ?? ""
        let fullName = qualified(scope, name)
        let fields = message.messages("field").enumerated().map { index, field in
            ProtoField(
                name: field.string("name") ?? "",
                number: Int(field.int("number") ?? 0),
                label: ProtoField.Label(rawValue: Int(field.int("label") ?? 1)) ?? .optional,
                kind: ProtoField.Kind(rawValue: Int(field.int("type") ?? 0)) ?? .group,
                typeName: field.string("type_name").map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 },
                oneofIndex: field.int("oneof_index").map(Int.init),
                isProto3Optional: field.bool("proto3_optional") ?? false,
                path: path + [SourcePath.messageField, index])
        }
        let oneofs = message.messages("oneof_decl").enumerated().map { index, oneof in
            ProtoOneof(name: oneof.string("name") ?? "",
                       fieldIndexes: fields.indices.filter { fields[$0].oneofIndex == index },
                       path: path + [SourcePath.messageOneof, index])
        }
        return ProtoMessage(
            name: name,
            fullName: fullName,
            fields: fields,
            oneofs: oneofs,
            messages: message.messages("nested_type").enumerated().map {
                self.message(from: $1, scope: fullName, path: path + [SourcePath.messageNested, $0])
            },
            enums: message.messages("enum_type").enumerated().map {
                enumeration(from: $1, scope: fullName, path: path + [SourcePath.messageEnum, $0])
            },
            isMapEntry: message.message("options")?.bool("map_entry") ?? false,
            path: path)
    }

    private static func enumeration(from enumeration: DynamicMessage, scope: String, path: [Int]) -> ProtoEnum {
        let name = enumeration.string("name") ?? ""
        return ProtoEnum(
            name: name,
            fullName: qualified(scope, name),
            values: enumeration.messages("value").enumerated().map { index, value in
                ProtoEnum.Value(name: value.string("name") ?? "",
                                number: Int32(truncatingIfNeeded: value.int("number") ?? 0),
                                path: path + [SourcePath.enumValue, index])
            },
            path: path)
    }

    private static func service(from service: DynamicMessage, scope: String, path: [Int]) -> ProtoService {
        let name = service.string("name") ?? ""
        return ProtoService(
            name: name,
            fullName: qualified(scope, name),
            methods: service.messages("method").enumerated().map { index, method in
                ProtoMethod(
                    name: method.string("name") ?? "",
                    inputType: String((method.string("input_type") ?? "").drop { $0 == "." }),
                    outputType: String((method.string("output_type") ?? "").drop { $0 == "." }),
                    clientStreaming: method.bool("client_streaming") ?? false,
                    serverStreaming: method.bool("server_streaming") ?? false,
                    idempotencyLevel: Int(method.message("options")?.int("idempotency_level") ?? 0),
                    path: path + [SourcePath.serviceMethod, index])
            },
            path: path)
    }
}

/// Splits encoded protobuf into the raw payloads of one length-delimited
/// field, so each embedded file keeps its exact encoding.
enum WireFields {
    static func lengthDelimited(number: Int, in bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var index = bytes.startIndex
        func varint() -> Int? {
            var value = 0, shift = 0
            while index < bytes.endIndex, shift < 64 {
                let byte = bytes[index]
                index += 1
                value |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while index < bytes.endIndex, let key = varint() {
            switch key & 7 {
            case 0: _ = varint()
            case 1: index += 8
            case 5: index += 4
            case 2:
                guard let length = varint(), index + length <= bytes.endIndex else { return result }
                if key >> 3 == number { result.append(bytes[index..<index + length]) }
                index += length
            default: return result
            }
        }
        return result
    }
}

struct RPCGenError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
