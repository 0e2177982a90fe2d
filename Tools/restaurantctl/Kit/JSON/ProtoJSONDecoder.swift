/// A JSON document that does not fit the message type, with the path of the
/// offending value (`items[2].quantity: expected integer, got "abc"`).
public struct JSONMappingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    /// The content type of a `google.protobuf.Any` the descriptors lack, when
    /// that is the problem: a caller that can fetch descriptors may retry.
    public var missingAnyType: String?

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Where a value sits in a document: `items[2].quantity`, `labels["a"]`.
struct JSONPath: CustomStringConvertible {
    private var text = ""

    func field(_ name: String) -> JSONPath {
        var copy = self
        copy.text += copy.text.isEmpty ? name : "." + name
        return copy
    }

    func index(_ index: Int) -> JSONPath {
        var copy = self
        copy.text += "[\(index)]"
        return copy
    }

    func key(_ key: String) -> JSONPath {
        var copy = self
        copy.text += "[\(JSONWriter.quoted(key))]"
        return copy
    }

    var description: String { text }
}

/// Converts proto3 JSON into ``MessageValue``s: the JSON mapping of
/// https://protobuf.dev/programming-guides/json/, including the well-known
/// types' special forms.
///
/// Accepts both lowerCamelCase json names and original field names; numbers
/// or strings for every integer and float type; enum names or numbers;
/// standard or URL-safe base64; `null` as "not set".
public struct ProtoJSONDecoder: Sendable {
    public let pool: DescriptorPool
    /// Skip members the message type does not have (and enum names it does
    /// not know) instead of failing.
    public var allowUnknownFields: Bool

    public init(pool: DescriptorPool, allowUnknownFields: Bool = false) {
        self.pool = pool
        self.allowUnknownFields = allowUnknownFields
    }

    static let maxDepth = 100

    /// Decodes `json` as a message of `type`.
    public func decode(_ json: JSONValue, as type: ProtoMessage) throws(JSONMappingError) -> MessageValue {
        try message(json, type: type, path: JSONPath(), depth: 0)
    }

    /// Decodes `json` as a message named `typeName`.
    public func decode(_ json: JSONValue, typeName: String) throws(JSONMappingError) -> MessageValue {
        guard let type = pool.message(typeName) else { throw JSONMappingError(path: "", "unknown message type '\(typeName)'") }
        return try decode(json, as: type)
    }

    // MARK: Messages

    private func message(_ json: JSONValue, type: ProtoMessage, path: JSONPath, depth: Int) throws(JSONMappingError) -> MessageValue {
        guard depth < Self.maxDepth else { throw JSONMappingError(path: path.description, "messages nested too deeply") }
        if let special = try wellKnown(json, type: type, path: path, depth: depth) { return special }
        guard let members = json.objectMembers else {
            throw mismatch(path, "an object (\(type.fullName))", json)
        }
        var result = MessageValue(typeName: type.fullName)
        var seen: [Int32: String] = [:]
        var oneofsSeen: [Int: String] = [:]
        for (key, value) in members {
            guard let field = type.field(named: key) else {
                if allowUnknownFields { continue }
                throw unknownField(key, in: type, path: path)
            }
            let fieldPath = path.field(key)
            if let previous = seen[field.number] {
                throw JSONMappingError(path: fieldPath.description,
                                       previous == key ? "field given twice" : "field given twice (also as \"\(previous)\")")
            }
            seen[field.number] = key
            if case .null = value, !(field.typeName == "google.protobuf.Value" && !field.isRepeated) {
                continue  // null means "not set" (except for a Value, where it is the JSON null).
            }
            if let oneofIndex = field.oneofIndex {
                let oneof = type.oneofs[oneofIndex]
                if let other = oneofsSeen[oneofIndex], !oneof.isSynthetic {
                    throw JSONMappingError(path: fieldPath.description,
                                           "\"\(other)\" and \"\(key)\" are both set, but they belong to oneof \"\(oneof.name)\" (at most one may be set)")
                }
                oneofsSeen[oneofIndex] = key
            }
            if field.isMap {
                try map(value, field: field, into: &result, path: fieldPath, depth: depth)
            } else if field.isRepeated {
                guard let elements = value.arrayElements else { throw mismatch(fieldPath, "an array", value) }
                var values: [ProtoValue] = []
                for (index, element) in elements.enumerated() {
                    let elementPath = fieldPath.index(index)
                    if case .null = element, field.typeName != "google.protobuf.Value" {
                        throw JSONMappingError(path: elementPath.description, "null is not allowed in a repeated field")
                    }
                    if let decoded = try self.value(element, field: field, path: elementPath, depth: depth) {
                        values.append(decoded)
                    }
                }
                result[field.number] = .repeated(values)
            } else if let decoded = try self.value(value, field: field, path: fieldPath, depth: depth) {
                result.set(field, decoded, in: type)
            }
        }
        return result
    }

    private func map(_ json: JSONValue, field: ProtoField, into result: inout MessageValue, path: JSONPath,
                     depth: Int) throws(JSONMappingError) {
        guard let members = json.objectMembers else { throw mismatch(path, "an object (map)", json) }
        guard let entry = field.typeName.flatMap(pool.message), let keyField = entry.field(number: 1),
              let valueField = entry.field(number: 2) else {
            throw JSONMappingError(path: path.description, "map field has no valid entry type")
        }
        var map = MapValue()
        for (keyText, value) in members {
            let entryPath = path.key(keyText)
            let key = try mapKey(keyText, type: keyField.type, path: entryPath)
            guard map[key] == nil else { throw JSONMappingError(path: entryPath.description, "map key given twice") }
            if case .null = value, valueField.typeName != "google.protobuf.Value" {
                throw JSONMappingError(path: entryPath.description, "null is not allowed as a map value")
            }
            if let decoded = try self.value(value, field: valueField, path: entryPath, depth: depth) {
                map[key] = decoded
            }
        }
        result[field.number] = .map(map)
    }

    private func mapKey(_ text: String, type: ProtoFieldType, path: JSONPath) throws(JSONMappingError) -> ProtoValue {
        switch type {
        case .string: return .string(text)
        case .bool:
            switch text {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw JSONMappingError(path: path.description, "expected map key \"true\" or \"false\", got \(JSONWriter.quoted(text))")
            }
        default:
            // Integer keys are written as strings; parse through the scalar rules.
            let field = ProtoField(name: "key", jsonName: "key", number: 1, type: type, label: .optional, typeName: nil,
                                   oneofIndex: nil, isProto3Optional: false, hasPresence: false, isPacked: false, isMap: false,
                                   defaultValue: nil, containingType: "", proto: .init())
            guard let value = try value(.string(text), field: field, path: path, depth: 0) else {
                throw JSONMappingError(path: path.description, "invalid map key")
            }
            return value
        }
    }

    // MARK: Values

    /// One value of `field`'s type; nil when it is to be skipped (an
    /// unknown enum name with unknown fields allowed).
    private func value(_ json: JSONValue, field: ProtoField, path: JSONPath, depth: Int) throws(JSONMappingError) -> ProtoValue? {
        switch field.type {
        case .int32, .sint32, .sfixed32:
            return .int32(Int32(try integer(json, path: path, min: Int64(Int32.min), max: UInt64(Int32.max), typeName: field.type.protoName)))
        case .int64, .sint64, .sfixed64:
            return .int64(try integer(json, path: path, min: Int64.min, max: UInt64(Int64.max), typeName: field.type.protoName))
        case .uint32, .fixed32:
            return .uint32(UInt32(try unsigned(json, path: path, max: UInt64(UInt32.max), typeName: field.type.protoName)))
        case .uint64, .fixed64:
            return .uint64(try unsigned(json, path: path, max: UInt64.max, typeName: field.type.protoName))
        case .float:
            return .float(try float(json, path: path))
        case .double:
            return .double(try double(json, path: path))
        case .bool:
            guard case let .bool(flag) = json else { throw mismatch(path, "true or false", json) }
            return .bool(flag)
        case .string:
            guard case let .string(text) = json else { throw mismatch(path, "a string", json) }
            return .string(text)
        case .bytes:
            guard case let .string(text) = json else { throw mismatch(path, "a base64 string", json) }
            guard let bytes = WellKnownJSON.decodeBase64(text) else {
                throw JSONMappingError(path: path.description, "invalid base64 (standard or URL-safe) in \(json.kindDescription)")
            }
            return .bytes(bytes)
        case .enum:
            return try enumValue(json, typeName: field.typeName ?? "", path: path)
        case .message, .group:
            guard let type = field.typeName.flatMap(pool.message) else {
                throw JSONMappingError(path: path.description, "unknown message type '\(field.typeName ?? "")'")
            }
            return .message(try message(json, type: type, path: path, depth: depth + 1))
        }
    }

    private func enumValue(_ json: JSONValue, typeName: String, path: JSONPath) throws(JSONMappingError) -> ProtoValue? {
        guard let enumType = pool.enumType(typeName) else {
            throw JSONMappingError(path: path.description, "unknown enum type '\(typeName)'")
        }
        switch json {
        case .null where typeName == "google.protobuf.NullValue":
            return .enumNumber(0)
        case let .string(name):
            if let number = enumType.number(named: name) { return .enumNumber(number) }
            // A number in a string is accepted too.
            if let number = Int32(name) { return .enumNumber(number) }
            if allowUnknownFields { return nil }
            let names = enumType.values.map(\.name)
            let hint = DescriptorPool.suggestions(for: name, in: names, limit: 1).first.map { " (did you mean \"\($0)\"?)" } ?? ""
            throw JSONMappingError(path: path.description,
                                   "unknown value \(json.kindDescription) for enum \(enumType.fullName)\(hint); values: \(names.joined(separator: ", "))")
        case .number:
            let number = try integer(json, path: path, min: Int64(Int32.min), max: UInt64(Int32.max), typeName: "enum")
            return .enumNumber(Int32(number))
        default:
            throw mismatch(path, "an enum name or number (\(enumType.fullName))", json)
        }
    }

    // MARK: Numbers

    /// The integer a JSON number or numeric string denotes (`12`, `"12"`,
    /// `1e3`, `-0`), exactly, within `min...max`.
    private func integer(_ json: JSONValue, path: JSONPath, min: Int64, max: UInt64, typeName: String) throws(JSONMappingError) -> Int64 {
        let (negative, magnitude) = try integerParts(json, path: path, typeName: typeName)
        if negative {
            guard magnitude <= min.magnitude else { throw outOfRange(json, typeName, path) }
            return magnitude == min.magnitude ? min : -Int64(magnitude)
        }
        guard magnitude <= max else { throw outOfRange(json, typeName, path) }
        return Int64(magnitude)
    }

    private func unsigned(_ json: JSONValue, path: JSONPath, max: UInt64, typeName: String) throws(JSONMappingError) -> UInt64 {
        let (negative, magnitude) = try integerParts(json, path: path, typeName: typeName)
        guard !negative || magnitude == 0, magnitude <= max else { throw outOfRange(json, typeName, path) }
        return magnitude
    }

    private func integerParts(_ json: JSONValue, path: JSONPath, typeName: String) throws(JSONMappingError) -> (Bool, UInt64) {
        let text: String
        switch json {
        case let .number(number): text = number
        case let .string(string): text = string
        default: throw mismatch(path, "integer", json)
        }
        switch Self.exactInteger(text) {
        case let .value(negative, magnitude)?: return (negative, magnitude)
        case .tooLarge?: throw outOfRange(json, typeName, path)
        case nil: throw mismatch(path, "integer", json)
        }
    }

    enum ExactInteger: Equatable {
        case value(negative: Bool, magnitude: UInt64)
        case tooLarge
    }

    /// Reads JSON number syntax as an exact integer: nil when it is not a
    /// number or has a fractional part.
    static func exactInteger(_ text: String) -> ExactInteger? {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        let intDigits = bytes.prefix { $0 >= 48 && $0 <= 57 }
        guard !intDigits.isEmpty else { return nil }
        bytes = bytes.dropFirst(intDigits.count)
        var fracDigits = ArraySlice<UInt8>()
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fracDigits = bytes.prefix { $0 >= 48 && $0 <= 57 }
            guard !fracDigits.isEmpty else { return nil }
            bytes = bytes.dropFirst(fracDigits.count)
        }
        var exponent = 0
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var exponentNegative = false
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") {
                exponentNegative = bytes.first == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            let exponentDigits = bytes.prefix { $0 >= 48 && $0 <= 57 }
            guard !exponentDigits.isEmpty else { return nil }
            bytes = bytes.dropFirst(exponentDigits.count)
            guard exponentDigits.count <= 6, let value = Int(String(decoding: exponentDigits, as: UTF8.self)) else { return .tooLarge }
            exponent = exponentNegative ? -value : value
        }
        guard bytes.isEmpty else { return nil }
        // digits × 10^(exponent - fraction length)
        var digits = Array(intDigits) + Array(fracDigits)
        let shift = exponent - fracDigits.count
        if shift < 0 {
            let cut = -shift
            if cut >= digits.count {
                guard digits.allSatisfy({ $0 == 48 }) else { return nil }
                return .value(negative: negative, magnitude: 0)
            }
            guard digits[(digits.count - cut)...].allSatisfy({ $0 == 48 }) else { return nil }
            digits.removeLast(cut)
        }
        while digits.count > 1, digits.first == 48 { digits.removeFirst() }
        if shift > 0 {
            if digits == [48] { return .value(negative: negative, magnitude: 0) }
            guard digits.count + shift <= 20 else { return .tooLarge }
            digits += Array(repeating: 48, count: shift)
        }
        guard digits.count <= 20, let magnitude = UInt64(String(decoding: digits, as: UTF8.self)) else { return .tooLarge }
        return .value(negative: negative, magnitude: magnitude)
    }

    private func double(_ json: JSONValue, path: JSONPath) throws(JSONMappingError) -> Double {
        let text: String
        switch json {
        case let .number(number): text = number
        case let .string(string):
            switch string {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                guard Self.isJSONNumber(string) else { throw mismatch(path, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")", json) }
                text = string
            }
        default: throw mismatch(path, "a number", json)
        }
        guard let value = Double(text) else { throw mismatch(path, "a number", json) }
        guard value.isFinite else { throw outOfRange(json, "double", path) }
        return value
    }

    private func float(_ json: JSONValue, path: JSONPath) throws(JSONMappingError) -> Float {
        let double = try double(json, path: path)
        guard double.isFinite else { return Float(double) }
        // Parse the text directly so the decimal rounds once, to float.
        let text: String = switch json {
        case let .number(number): number
        case let .string(string): string
        default: String(double)
        }
        guard let value = Float(text), value.isFinite else { throw outOfRange(json, "float", path) }
        return value
    }

    static func isJSONNumber(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        guard case .number = (try? JSONParser.parse(text)) else { return false }
        return true
    }

    // MARK: Well-known types

    private func wellKnown(_ json: JSONValue, type: ProtoMessage, path: JSONPath, depth: Int) throws(JSONMappingError) -> MessageValue? {
        var result = MessageValue(typeName: type.fullName)
        switch type.fullName {
        case "google.protobuf.Timestamp":
            guard case let .string(text) = json else { throw mismatch(path, "an RFC 3339 timestamp string", json) }
            guard let (seconds, nanos) = WellKnownJSON.parseTimestamp(text) else {
                throw JSONMappingError(path: path.description,
                                       "invalid timestamp \(json.kindDescription): expected RFC 3339 like \"2024-05-01T12:30:00Z\" (years 0001-9999)")
            }
            try setScalar(&result, type, 1, .int64(seconds), path)
            try setScalar(&result, type, 2, .int32(nanos), path)
        case "google.protobuf.Duration":
            guard case let .string(text) = json else { throw mismatch(path, "a duration string like \"1.5s\"", json) }
            guard let (seconds, nanos) = WellKnownJSON.parseDuration(text) else {
                throw JSONMappingError(path: path.description,
                                       "invalid duration \(json.kindDescription): expected seconds with an \"s\" suffix, like \"1.5s\" or \"-0.25s\"")
            }
            try setScalar(&result, type, 1, .int64(seconds), path)
            try setScalar(&result, type, 2, .int32(nanos), path)
        case "google.protobuf.FieldMask":
            guard case let .string(text) = json else { throw mismatch(path, "a field mask string like \"name,priceCents\"", json) }
            var paths: [ProtoValue] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: true) {
                guard let snake = WellKnownJSON.snakeCasePath(String(part)) else {
                    throw JSONMappingError(path: path.description,
                                           "invalid field mask path \"\(part)\": use lowerCamelCase names (\"updateMask\", not \"update_mask\")")
                }
                paths.append(.string(snake))
            }
            result[1] = .repeated(paths)
        case "google.protobuf.Struct":
            guard let members = json.objectMembers else { throw mismatch(path, "an object", json) }
            guard let fieldsField = type.field(number: 1), let entry = fieldsField.typeName.flatMap(pool.message),
                  let valueType = entry.field(number: 2)?.typeName.flatMap(pool.message) else {
                throw JSONMappingError(path: path.description, "google.protobuf.Struct has an unexpected descriptor")
            }
            var map = MapValue()
            for (key, value) in members {
                map[.string(key)] = .message(try message(value, type: valueType, path: path.key(key), depth: depth + 1))
            }
            result[1] = .map(map)
        case "google.protobuf.ListValue":
            guard let elements = json.arrayElements else { throw mismatch(path, "an array", json) }
            guard let valueType = type.field(number: 1)?.typeName.flatMap(pool.message) else {
                throw JSONMappingError(path: path.description, "google.protobuf.ListValue has an unexpected descriptor")
            }
            var values: [ProtoValue] = []
            for (index, element) in elements.enumerated() {
                values.append(.message(try message(element, type: valueType, path: path.index(index), depth: depth + 1)))
            }
            result[1] = .repeated(values)
        case "google.protobuf.Value":
            func nested(_ number: Int32) throws(JSONMappingError) -> ProtoMessage {
                guard let nestedType = type.field(number: number)?.typeName.flatMap(pool.message) else {
                    throw JSONMappingError(path: path.description, "google.protobuf.Value has an unexpected descriptor")
                }
                return nestedType
            }
            switch json {
            case .null: try setScalar(&result, type, 1, .enumNumber(0), path)
            case let .number(text):
                guard let number = Double(text), number.isFinite else { throw outOfRange(json, "double", path) }
                try setScalar(&result, type, 2, .double(number), path)
            case let .string(text): try setScalar(&result, type, 3, .string(text), path)
            case let .bool(flag): try setScalar(&result, type, 4, .bool(flag), path)
            case .object:
                try setScalar(&result, type, 5, .message(try message(json, type: try nested(5), path: path, depth: depth + 1)), path)
            case .array:
                try setScalar(&result, type, 6, .message(try message(json, type: try nested(6), path: path, depth: depth + 1)), path)
            }
        case "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
             "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
             "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
            guard let field = type.field(number: 1) else {
                throw JSONMappingError(path: path.description, "\(type.fullName) has an unexpected descriptor")
            }
            if let value = try value(json, field: field, path: path, depth: depth) { result.set(field, value, in: type) }
        case "google.protobuf.Any":
            return try any(json, type: type, path: path, depth: depth)
        default:
            return nil
        }
        return result
    }

    private func setScalar(_ message: inout MessageValue, _ type: ProtoMessage, _ number: Int32, _ value: ProtoValue,
                           _ path: JSONPath) throws(JSONMappingError) {
        guard let field = type.field(number: number) else {
            throw JSONMappingError(path: path.description, "\(type.fullName) has no field \(number)")
        }
        message.set(field, value, in: type)
    }

    private func any(_ json: JSONValue, type: ProtoMessage, path: JSONPath, depth: Int) throws(JSONMappingError) -> MessageValue {
        guard let members = json.objectMembers else { throw mismatch(path, "an object with \"@type\"", json) }
        var result = MessageValue(typeName: type.fullName)
        if members.isEmpty { return result }
        guard let typeURL = json["@type"] else {
            throw JSONMappingError(path: path.description, "google.protobuf.Any needs an \"@type\" member")
        }
        guard case let .string(url) = typeURL, let typeName = WellKnownJSON.typeName(fromTypeURL: url) else {
            throw mismatch(path.field("@type"), "a type URL like \"type.googleapis.com/pkg.Message\"", typeURL)
        }
        guard let contentType = pool.message(typeName) else {
            throw JSONMappingError(path: path.field("@type").description,
                                   "cannot resolve Any type \"\(url)\": \(typeName) is not among the descriptors (add it with --protoset)")
        }
        let content: MessageValue
        if Self.hasSpecialJSON(contentType.fullName) {
            guard let value = json["value"] else {
                throw JSONMappingError(path: path.description, "an Any holding \(contentType.fullName) needs a \"value\" member")
            }
            content = try message(value, type: contentType, path: path.field("value"), depth: depth + 1)
        } else {
            let rest = JSONValue.object(members.filter { $0.key != "@type" })
            content = try message(rest, type: contentType, path: path, depth: depth + 1)
        }
        let bytes: [UInt8]
        do {
            bytes = try WireCodec.encode(content, pool: pool)
        } catch {
            throw JSONMappingError(path: path.description, "cannot encode the Any's content: \(error)")
        }
        try setScalar(&result, type, 1, .string(url), path)
        try setScalar(&result, type, 2, .bytes(bytes), path)
        return result
    }

    /// Well-known types whose JSON is not an object of their fields; in an
    /// Any they sit under "value".
    static func hasSpecialJSON(_ typeName: String) -> Bool {
        switch typeName {
        case "google.protobuf.Any", "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask",
             "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
             "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
             "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
             "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
            true
        default:
            false
        }
    }

    // MARK: Errors

    private func mismatch(_ path: JSONPath, _ expected: String, _ got: JSONValue) -> JSONMappingError {
        JSONMappingError(path: path.description, "expected \(expected), got \(got.kindDescription)")
    }

    private func outOfRange(_ json: JSONValue, _ typeName: String, _ path: JSONPath) -> JSONMappingError {
        JSONMappingError(path: path.description, "value \(json.kindDescription) is out of range for \(typeName)")
    }

    private func unknownField(_ key: String, in type: ProtoMessage, path: JSONPath) -> JSONMappingError {
        let names = type.fields.map(\.jsonName)
        let candidates = names + type.fields.map(\.name)
        let hint = DescriptorPool.suggestions(for: key, in: candidates, limit: 1).first.map { " (did you mean \"\($0)\"?)" } ?? ""
        let known = names.isEmpty ? "it has no fields" : "fields: " + names.joined(separator: ", ")
        return JSONMappingError(path: path.description,
                                "unknown field \(JSONWriter.quoted(key)) in \(type.fullName)\(hint); \(known) (--allow-unknown-fields skips unknown fields)")
    }
}
