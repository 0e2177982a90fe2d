import Foundation

/// Renders descriptors back as `.proto` source, with the comments the
/// descriptors carry (source info), for `describe`.
public struct ProtoSourcePrinter {
    public let pool: DescriptorPool

    public init(pool: DescriptorPool) {
        self.pool = pool
    }

    /// The definition of a symbol, preceded by a line saying what it is.
    public func describe(_ symbol: DescriptorPool.Symbol) -> String {
        var lines: [String] = []
        switch symbol {
        case let .service(service):
            lines.append("\(service.fullName) is a service (\(service.fileName)):")
            lines += self.service(service)
        case let .method(service, method):
            lines.append("\(method.fullName) is a method (\(method.kind.displayName)) of \(service.fullName):")
            lines += comment(fileName: service.fileName, path: method.sourcePath, indent: "")
            lines.append(rpcLine(method))
        case let .message(message):
            lines.append("\(message.fullName) is a message (\(message.fileName)):")
            lines += self.message(message, indent: "")
        case let .field(message, field):
            lines.append("\(field.fullName) is a field of \(message.fullName):")
            if let index = message.fields.firstIndex(where: { $0.number == field.number }) {
                lines += comment(fileName: message.fileName, path: message.sourcePath + [2, Int32(index)], indent: "")
            }
            lines.append(fieldLine(field, syntax: syntax(of: message.fileName)))
        case let .enumType(enumType):
            lines.append("\(enumType.fullName) is an enum (\(enumType.fileName)):")
            lines += self.enumeration(enumType, indent: "")
        case let .enumValue(enumType, value):
            lines.append("\(enumType.fullName).\(value.name) is a value of enum \(enumType.fullName):")
            lines.append("\(value.name) = \(value.number);")
        }
        return lines.joined(separator: "\n")
    }

    public func service(_ service: ProtoService) -> [String] {
        var lines = comment(fileName: service.fileName, path: service.sourcePath, indent: "")
        lines.append("service \(service.name) {")
        for (index, method) in service.methods.enumerated() {
            if index > 0, file(service.fileName)?.comment(at: method.sourcePath) != nil { lines.append("") }
            lines += comment(fileName: service.fileName, path: method.sourcePath, indent: "  ")
            lines.append("  " + rpcLine(method))
        }
        lines.append("}")
        return lines
    }

    func rpcLine(_ method: ProtoMethod) -> String {
        let input = (method.clientStreaming ? "stream " : "") + "." + method.inputType
        let output = (method.serverStreaming ? "stream " : "") + "." + method.outputType
        return "rpc \(method.name) ( \(input) ) returns ( \(output) );"
    }

    public func message(_ message: ProtoMessage, indent: String) -> [String] {
        let syntax = syntax(of: message.fileName)
        var lines = comment(fileName: message.fileName, path: message.sourcePath, indent: indent)
        lines.append("\(indent)message \(message.name) {")
        let inner = indent + "  "
        var printedOneofs: Set<Int> = []
        for (index, field) in message.fields.enumerated() {
            if let oneofIndex = field.oneofIndex, !message.oneofs[oneofIndex].isSynthetic {
                guard printedOneofs.insert(oneofIndex).inserted else { continue }
                let oneof = message.oneofs[oneofIndex]
                lines += comment(fileName: message.fileName, path: message.sourcePath + [8, Int32(oneofIndex)], indent: inner)
                lines.append("\(inner)oneof \(oneof.name) {")
                for (memberIndex, member) in message.fields.enumerated() where member.oneofIndex == oneofIndex {
                    lines += comment(fileName: message.fileName, path: message.sourcePath + [2, Int32(memberIndex)], indent: inner + "  ")
                    lines.append(inner + "  " + fieldLine(member, syntax: syntax, inOneof: true))
                }
                lines.append("\(inner)}")
                continue
            }
            lines += comment(fileName: message.fileName, path: message.sourcePath + [2, Int32(index)], indent: inner)
            lines.append(inner + fieldLine(field, syntax: syntax))
        }
        for nestedProto in message.proto.nestedType {
            guard let nested = pool.message(message.fullName + "." + (nestedProto.name ?? "")), !nested.isMapEntry else { continue }
            lines += self.message(nested, indent: inner)
        }
        for nestedProto in message.proto.enumType {
            guard let nested = pool.enumType(message.fullName + "." + (nestedProto.name ?? "")) else { continue }
            lines += enumeration(nested, indent: inner)
        }
        let ranges = message.proto.reservedRange.compactMap { range -> String? in
            guard let start = range.start, let end = range.end else { return nil }
            return end &- 1 == start ? "\(start)" : "\(start) to \(end == 536_870_912 ? "max" : String(end &- 1))"
        }
        if !ranges.isEmpty { lines.append("\(inner)reserved \(ranges.joined(separator: ", "));") }
        if !message.proto.reservedName.isEmpty {
            lines.append("\(inner)reserved \(message.proto.reservedName.map { "\"\($0)\"" }.joined(separator: ", "));")
        }
        for range in message.proto.extensionRange {
            guard let start = range.start, let end = range.end else { continue }
            lines.append("\(inner)extensions \(start) to \(end == 536_870_912 ? "max" : String(end &- 1));")
        }
        lines.append("\(indent)}")
        return lines
    }

    func fieldLine(_ field: ProtoField, syntax: String, inOneof: Bool = false) -> String {
        var type: String
        if field.isMap, let entry = field.typeName.flatMap(pool.message),
           let key = entry.field(number: 1), let value = entry.field(number: 2) {
            type = "map<\(typeText(key)), \(typeText(value))>"
        } else {
            type = typeText(field)
            switch field.label {
            case .repeated: type = "repeated " + type
            case .required: type = "required " + type
            case .optional:
                if field.isProto3Optional || (syntax == "proto2" && !inOneof) { type = "optional " + type }
            }
        }
        var options: [String] = []
        if let value = field.defaultValue {
            options.append("default = \(field.type == .string || field.type == .bytes ? JSONWriter.quoted(value) : value)")
        }
        if field.proto.jsonName != nil, field.jsonName != DescriptorPool.jsonName(for: field.name) {
            options.append("json_name = \(JSONWriter.quoted(field.jsonName))")
        }
        if let packed = field.proto.options?.packed { options.append("packed = \(packed)") }
        if field.proto.options?.deprecated == true { options.append("deprecated = true") }
        let suffix = options.isEmpty ? "" : " [\(options.joined(separator: ", "))]"
        return "\(type) \(field.name) = \(field.number)\(suffix);"
    }

    private func typeText(_ field: ProtoField) -> String {
        switch field.type {
        case .message, .enum, .group: "." + (field.typeName ?? "")
        default: field.type.protoName
        }
    }

    public func enumeration(_ enumType: ProtoEnum, indent: String) -> [String] {
        var lines = comment(fileName: enumType.fileName, path: enumType.sourcePath, indent: indent)
        lines.append("\(indent)enum \(enumType.name) {")
        if enumType.proto.options?.allowAlias == true { lines.append("\(indent)  option allow_alias = true;") }
        for (index, value) in enumType.values.enumerated() {
            lines += comment(fileName: enumType.fileName, path: enumType.sourcePath + [2, Int32(index)], indent: indent + "  ")
            lines.append("\(indent)  \(value.name) = \(value.number);")
        }
        lines.append("\(indent)}")
        return lines
    }

    private func file(_ name: String) -> ProtoFile? { pool.file(named: name) }

    private func syntax(of fileName: String) -> String { file(fileName)?.syntax ?? "proto3" }

    private func comment(fileName: String, path: [Int32], indent: String) -> [String] {
        guard let text = file(fileName)?.comment(at: path) else { return [] }
        var lines = text.components(separatedBy: "\n")
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        return lines.map { line in
            let trimmed = line.hasPrefix(" ") ? String(line.dropFirst()) : line
            return trimmed.isEmpty ? "\(indent)//" : "\(indent)// \(trimmed)"
        }
    }
}

/// An example request in JSON: every field with a placeholder value of its
/// type (for `describe --template`), so users see the names and shapes.
public struct JSONTemplate {
    public let pool: DescriptorPool

    public init(pool: DescriptorPool) {
        self.pool = pool
    }

    public func template(for message: ProtoMessage, depth: Int = 0, seen: [String] = []) -> JSONValue {
        if let special = wellKnown(message.fullName) { return special }
        // Recursive types stop at their second appearance.
        guard depth < 8, seen.filter({ $0 == message.fullName }).count < 1 else { return .object([]) }
        var members: [(key: String, value: JSONValue)] = []
        var oneofsShown: Set<Int> = []
        for field in message.fields {
            if let oneofIndex = field.oneofIndex, !message.oneofs[oneofIndex].isSynthetic {
                guard oneofsShown.insert(oneofIndex).inserted else { continue }  // First member only.
            }
            let value = sample(field, depth: depth, seen: seen + [message.fullName])
            if field.isMap, let entry = field.typeName.flatMap(pool.message),
               let key = entry.field(number: 1), let mapValue = entry.field(number: 2) {
                let keyText: String = switch key.type {
                case .string: "key"
                case .bool: "true"
                default: "0"
                }
                members.append((field.jsonName, .object([(keyText, sample(mapValue, depth: depth, seen: seen + [message.fullName]))])))
            } else if field.isRepeated {
                members.append((field.jsonName, .array([value])))
            } else {
                members.append((field.jsonName, value))
            }
        }
        return .object(members)
    }

    private func sample(_ field: ProtoField, depth: Int, seen: [String]) -> JSONValue {
        switch field.type {
        case .int32, .sint32, .sfixed32, .uint32, .fixed32: return .number("0")
        case .int64, .sint64, .sfixed64, .uint64, .fixed64: return .string("0")
        case .float, .double: return .number("0.0")
        case .bool: return .bool(false)
        case .string: return .string("")
        case .bytes: return .string("")
        case .enum:
            let enumType = field.typeName.flatMap(pool.enumType)
            return .string(enumType?.values.first?.name ?? "0")
        case .message, .group:
            guard let nested = field.typeName.flatMap(pool.message) else { return .object([]) }
            return template(for: nested, depth: depth + 1, seen: seen)
        }
    }

    private func wellKnown(_ name: String) -> JSONValue? {
        switch name {
        case "google.protobuf.Timestamp": .string("1970-01-01T00:00:00Z")
        case "google.protobuf.Duration": .string("0s")
        case "google.protobuf.FieldMask": .string("")
        case "google.protobuf.Struct": .object([])
        case "google.protobuf.Value": .null
        case "google.protobuf.ListValue": .array([])
        case "google.protobuf.Any": .object([("@type", .string("type.googleapis.com/pkg.Message"))])
        case "google.protobuf.BoolValue": .bool(false)
        case "google.protobuf.StringValue", "google.protobuf.BytesValue": .string("")
        case "google.protobuf.Int64Value", "google.protobuf.UInt64Value": .string("0")
        case "google.protobuf.Int32Value", "google.protobuf.UInt32Value": .number("0")
        case "google.protobuf.DoubleValue", "google.protobuf.FloatValue": .number("0.0")
        default: nil
        }
    }
}
