/// How one proto field appears in Swift: its property type and default, and
/// the statements that copy it out of a ``MessageReader`` and into a
/// ``MessageWriter``.
struct FieldPlan {
    /// A value of the field type, before optionality or repetition.
    struct Element {
        var swiftType: String
        var defaultValue: String
        /// Read expression for `reader` at field index `i`.
        var read: (_ reader: String, _ index: Int) -> String
        /// Write statement storing `value` at field index `i` through `writer`.
        var write: (_ writer: String, _ index: Int, _ value: String) -> String
        var readThrows: Bool
        var writeThrows: Bool
        /// Whether proto3 skips the value on the wire (used to avoid work).
        var isEmptyCheck: ((String) -> String)?
        var repeatedRead: (_ reader: String, _ index: Int) -> String
        var repeatedWrite: (_ writer: String, _ index: Int, _ value: String) -> String
    }

    static func element(for field: ProtoField, symbols: SymbolTable) throws -> Element {
        func scalar(_ swift: String) -> Element {
            Element(
                swiftType: swift, defaultValue: "0",
                read: { r, i in "\(r).scalar(\(i), as: \(swift).self)" },
                write: { w, i, v in "\(w).setScalar(\(i), \(v))" },
                readThrows: false, writeThrows: false, isEmptyCheck: nil,
                repeatedRead: { r, i in "\(r).repeatedScalar(\(i), as: \(swift).self)" },
                repeatedWrite: { w, i, v in "\(w).setRepeatedScalar(\(i), \(v))" })
        }
        switch field.kind {
        case .double: return scalar("Double")
        case .float: return scalar("Float")
        case .int64, .sint64, .sfixed64: return scalar("Int64")
        case .uint64, .fixed64: return scalar("UInt64")
        case .int32, .sint32, .sfixed32: return scalar("Int32")
        case .uint32, .fixed32: return scalar("UInt32")
        case .bool:
            return Element(
                swiftType: "Bool", defaultValue: "false",
                read: { r, i in "\(r).bool(\(i))" },
                write: { w, i, v in "\(w).setBool(\(i), \(v))" },
                readThrows: false, writeThrows: false, isEmptyCheck: nil,
                repeatedRead: { r, i in "\(r).repeatedBool(\(i))" },
                repeatedWrite: { w, i, v in "\(w).setRepeatedBool(\(i), \(v))" })
        case .string:
            return Element(
                swiftType: "String", defaultValue: "\"\"",
                read: { r, i in "\(r).string(\(i))" },
                write: { w, i, v in "try \(w).setString(\(i), \(v))" },
                readThrows: false, writeThrows: true, isEmptyCheck: { "!\($0).isEmpty" },
                repeatedRead: { r, i in "\(r).repeatedString(\(i))" },
                repeatedWrite: { w, i, v in "try \(w).setRepeatedString(\(i), \(v))" })
        case .bytes:
            return Element(
                swiftType: "Data", defaultValue: "Data()",
                read: { r, i in "\(r).bytes(\(i))" },
                write: { w, i, v in "\(w).setBytes(\(i), \(v))" },
                readThrows: false, writeThrows: false, isEmptyCheck: { "!\($0).isEmpty" },
                repeatedRead: { r, i in "\(r).repeatedBytes(\(i))" },
                repeatedWrite: { w, i, v in "\(w).setRepeatedBytes(\(i), \(v))" })
        case .enumeration:
            let name = try symbols.swiftName(field.typeName ?? "")
            return Element(
                swiftType: name, defaultValue: "\(name)(rawValue: 0)",
                read: { r, i in "\(name)(rawValue: \(r).scalar(\(i), as: Int32.self))" },
                write: { w, i, v in "\(w).setScalar(\(i), \(v).rawValue)" },
                readThrows: false, writeThrows: false, isEmptyCheck: nil,
                repeatedRead: { r, i in "\(r).repeatedEnum(\(i), as: \(name).self)" },
                repeatedWrite: { w, i, v in "\(w).setRepeatedEnum(\(i), \(v))" })
        case .message:
            let name = try symbols.swiftName(field.typeName ?? "")
            return Element(
                swiftType: name, defaultValue: "\(name)()",
                read: { r, i in "try \(r).message(\(i), as: \(name).self)" },
                write: { w, i, v in "try \(w).setMessage(\(i), \(v))" },
                readThrows: true, writeThrows: true, isEmptyCheck: nil,
                repeatedRead: { r, i in "try \(r).repeatedMessage(\(i), as: \(name).self)" },
                repeatedWrite: { w, i, v in "try \(w).setRepeatedMessage(\(i), \(v))" })
        case .group:
            throw RPCGenError("field \(field.name): groups are not supported")
        }
    }

    /// The Swift primitive a `google.protobuf.*Value` wrapper maps to.
    static let wrapperKinds: [String: ProtoField.Kind] = [
        "google.protobuf.DoubleValue": .double, "google.protobuf.FloatValue": .float,
        "google.protobuf.Int64Value": .int64, "google.protobuf.UInt64Value": .uint64,
        "google.protobuf.Int32Value": .int32, "google.protobuf.UInt32Value": .uint32,
        "google.protobuf.BoolValue": .bool, "google.protobuf.StringValue": .string,
        "google.protobuf.BytesValue": .bytes,
    ]
}
