/// Converts ``MessageValue``s to proto3 JSON: lowerCamelCase json names,
/// 64-bit integers as strings, bytes as base64, enums by name, the
/// well-known types in their special forms; fields at their default value
/// are left out unless ``emitDefaults`` is set.
public struct ProtoJSONEncoder: Sendable {
    public let pool: DescriptorPool
    /// Also write fields without presence (scalars, enums, repeated, maps)
    /// that hold their default value, as protobuf's
    /// `always_print_fields_with_no_presence` does.
    public var emitDefaults: Bool
    /// Use the .proto field names instead of the lowerCamelCase json names.
    public var useProtoNames: Bool

    public init(pool: DescriptorPool, emitDefaults: Bool = false, useProtoNames: Bool = false) {
        self.pool = pool
        self.emitDefaults = emitDefaults
        self.useProtoNames = useProtoNames
    }

    public func encode(_ message: MessageValue) throws(JSONMappingError) -> JSONValue {
        try encode(message, path: JSONPath(), depth: 0)
    }

    /// Nesting limit, counting messages inside Any values too (their bytes
    /// are decoded here, so the wire decoder's own limit does not cover them).
    static let maxDepth = 100

    private func encode(_ message: MessageValue, path: JSONPath, depth: Int) throws(JSONMappingError) -> JSONValue {
        guard depth < Self.maxDepth else { throw JSONMappingError(path: path.description, "messages nested too deeply") }
        guard let type = pool.message(message.typeName) else {
            throw JSONMappingError(path: path.description, "unknown message type '\(message.typeName)'")
        }
        if let special = try wellKnown(message, type: type, path: path, depth: depth) { return special }
        var members: [(key: String, value: JSONValue)] = []
        for field in type.fields {
            let key = useProtoNames ? field.name : field.jsonName
            let fieldPath = path.field(key)
            switch message[field.number] {
            case let .single(value)?:
                if !field.hasPresence, value.isZero, !emitDefaults { continue }
                members.append((key, try encode(value, field: field, path: fieldPath, depth: depth)))
            case let .repeated(values)? where !values.isEmpty:
                var elements: [JSONValue] = []
                for (index, value) in values.enumerated() {
                    elements.append(try encode(value, field: field, path: fieldPath.index(index), depth: depth))
                }
                members.append((key, .array(elements)))
            case let .map(map)? where !map.isEmpty:
                guard let entry = field.typeName.flatMap(pool.message), let valueField = entry.field(number: 2) else {
                    throw JSONMappingError(path: fieldPath.description, "map field has no valid entry type")
                }
                var entries: [(key: String, value: JSONValue)] = []
                for (key, value) in map.entries {
                    let keyText = Self.mapKeyText(key)
                    entries.append((keyText, try encode(value, field: valueField, path: fieldPath.key(keyText), depth: depth)))
                }
                members.append((key, .object(entries)))
            default:
                // Not set: only fields without presence have a default to show.
                guard emitDefaults, !field.hasPresence else { continue }
                if field.isMap {
                    members.append((key, .object([])))
                } else if field.isRepeated {
                    members.append((key, .array([])))
                } else {
                    members.append((key, try encode(defaultValue(of: field), field: field, path: fieldPath, depth: depth)))
                }
            }
        }
        return .object(members)
    }

    private func defaultValue(of field: ProtoField) -> ProtoValue {
        if field.type == .enum, let enumType = field.typeName.flatMap(pool.enumType) {
            return .enumNumber(enumType.defaultNumber)
        }
        return ProtoValue.defaultValue(for: field.type, typeName: field.typeName)
    }

    static func mapKeyText(_ key: ProtoValue) -> String {
        switch key {
        case let .int32(value): String(value)
        case let .int64(value): String(value)
        case let .uint32(value): String(value)
        case let .uint64(value): String(value)
        case let .bool(value): value ? "true" : "false"
        case let .string(value): value
        default: "\(key)"
        }
    }

    private func encode(_ value: ProtoValue, field: ProtoField, path: JSONPath, depth: Int) throws(JSONMappingError) -> JSONValue {
        switch value {
        case let .int32(number): return .number(String(number))
        case let .uint32(number): return .number(String(number))
        case let .int64(number): return .string(String(number))
        case let .uint64(number): return .string(String(number))
        case let .float(number): return Self.floatJSON(number)
        case let .double(number): return Self.doubleJSON(number)
        case let .bool(flag): return .bool(flag)
        case let .string(text): return .string(text)
        case let .bytes(bytes): return .string(WellKnownJSON.encodeBase64(bytes))
        case let .enumNumber(number):
            if field.typeName == "google.protobuf.NullValue" { return .null }
            if let name = field.typeName.flatMap(pool.enumType)?.name(of: number) { return .string(name) }
            return .number(String(number))
        case let .message(message):
            return try encode(message, path: path, depth: depth + 1)
        }
    }

    static func doubleJSON(_ value: Double) -> JSONValue {
        if value.isNaN { return .string("NaN") }
        if value.isInfinite { return .string(value < 0 ? "-Infinity" : "Infinity") }
        return .number(trimmedNumber(value.description))
    }

    static func floatJSON(_ value: Float) -> JSONValue {
        if value.isNaN { return .string("NaN") }
        if value.isInfinite { return .string(value < 0 ? "-Infinity" : "Infinity") }
        return .number(trimmedNumber(value.description))
    }

    /// Swift's shortest round-trip spelling, without a trailing `.0`.
    private static func trimmedNumber(_ text: String) -> String {
        text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    // MARK: Well-known types

    private func wellKnown(_ message: MessageValue, type: ProtoMessage, path: JSONPath, depth: Int) throws(JSONMappingError) -> JSONValue? {
        func int64(_ number: Int32) -> Int64 {
            if case let .int64(value)? = message.value(number) { return value }
            return 0
        }
        func int32(_ number: Int32) -> Int32 {
            if case let .int32(value)? = message.value(number) { return value }
            return 0
        }
        switch type.fullName {
        case "google.protobuf.Timestamp":
            guard let text = WellKnownJSON.formatTimestamp(seconds: int64(1), nanos: int32(2)) else {
                throw JSONMappingError(path: path.description,
                                       "timestamp seconds=\(int64(1)) nanos=\(int32(2)) is outside 0001-01-01 .. 9999-12-31")
            }
            return .string(text)
        case "google.protobuf.Duration":
            guard let text = WellKnownJSON.formatDuration(seconds: int64(1), nanos: int32(2)) else {
                throw JSONMappingError(path: path.description, "duration seconds=\(int64(1)) nanos=\(int32(2)) is invalid")
            }
            return .string(text)
        case "google.protobuf.FieldMask":
            var paths: [String] = []
            if case let .repeated(values)? = message[1] {
                for case let .string(value) in values {
                    guard let camel = WellKnownJSON.camelCasePath(value) else {
                        throw JSONMappingError(path: path.description, "field mask path \"\(value)\" has no JSON form")
                    }
                    paths.append(camel)
                }
            }
            return .string(paths.joined(separator: ","))
        case "google.protobuf.Struct":
            var members: [(key: String, value: JSONValue)] = []
            if case let .map(map)? = message[1] {
                for (key, value) in map.entries {
                    guard case let .string(name) = key, case let .message(nested) = value else { continue }
                    members.append((name, try encode(nested, path: path.key(name), depth: depth + 1)))
                }
            }
            return .object(members)
        case "google.protobuf.ListValue":
            var elements: [JSONValue] = []
            if case let .repeated(values)? = message[1] {
                for (index, value) in values.enumerated() {
                    guard case let .message(nested) = value else { continue }
                    elements.append(try encode(nested, path: path.index(index), depth: depth + 1))
                }
            }
            return .array(elements)
        case "google.protobuf.Value":
            switch (message.value(2), message.value(3), message.value(4), message.value(5), message.value(6)) {
            case let (.double(number)?, _, _, _, _):
                guard number.isFinite else {
                    throw JSONMappingError(path: path.description, "google.protobuf.Value cannot hold \(number) in JSON")
                }
                return Self.doubleJSON(number)
            case let (_, .string(text)?, _, _, _): return .string(text)
            case let (_, _, .bool(flag)?, _, _): return .bool(flag)
            case let (_, _, _, .message(nested)?, _): return try encode(nested, path: path, depth: depth + 1)
            case let (_, _, _, _, .message(nested)?): return try encode(nested, path: path, depth: depth + 1)
            default: return .null
            }
        case "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
             "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
             "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
            guard let field = type.field(number: 1) else { return nil }
            let value = message.value(1) ?? ProtoValue.defaultValue(for: field.type, typeName: nil)
            return try encode(value, field: field, path: path, depth: depth)
        case "google.protobuf.Any":
            return try any(message, path: path, depth: depth)
        default:
            return nil
        }
    }

    private func any(_ message: MessageValue, path: JSONPath, depth: Int) throws(JSONMappingError) -> JSONValue {
        guard case let .string(url)? = message.value(1), !url.isEmpty else {
            if message.has(2) { throw JSONMappingError(path: path.description, "google.protobuf.Any has a value but no type_url") }
            return .object([])
        }
        guard let typeName = WellKnownJSON.typeName(fromTypeURL: url) else {
            throw JSONMappingError(path: path.description,
                                   "cannot print google.protobuf.Any holding \"\(url)\": not a type URL like \"type.googleapis.com/pkg.Message\"")
        }
        guard let contentType = pool.message(typeName) else {
            var error = JSONMappingError(path: path.description,
                                         "cannot print google.protobuf.Any holding \"\(url)\": \(typeName) is not among the descriptors (add it with --protoset)")
            error.missingAnyType = typeName
            throw error
        }
        var bytes: [UInt8] = []
        if case let .bytes(value)? = message.value(2) { bytes = value }
        let content: MessageValue
        do {
            content = try WireCodec.decode(bytes, as: contentType, pool: pool)
        } catch {
            throw JSONMappingError(path: path.description, "the Any's \(typeName) does not decode: \(error)")
        }
        let json = try encode(content, path: path, depth: depth + 1)
        if ProtoJSONDecoder.hasSpecialJSON(contentType.fullName) {
            return .object([("@type", .string(url)), ("value", json)])
        }
        return .object([("@type", .string(url))] + (json.objectMembers ?? []))
    }
}

extension JSONValue {
    /// Every `"@type"` string in the document: the Any contents a request
    /// names, whose descriptors may need fetching first.
    public var anyTypeNames: Set<String> {
        var names: Set<String> = []
        func walk(_ value: JSONValue) {
            switch value {
            case let .object(members):
                for (key, member) in members {
                    if key == "@type", case let .string(url) = member, let name = WellKnownJSON.typeName(fromTypeURL: url) {
                        names.insert(name)
                    }
                    walk(member)
                }
            case let .array(elements): elements.forEach(walk)
            default: break
            }
        }
        walk(self)
        return names
    }
}
