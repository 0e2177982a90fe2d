import CProtobufC
import Foundation

/// A decoded message whose Swift type is not generated: its fields are
/// looked up by proto name, using the protobuf-c descriptor alone.
///
/// Tools use it where the message type is only a descriptor at hand, such as
/// `rpcgen` reading `google.protobuf.FileDescriptorSet`.
public struct DynamicMessage: Sendable, Equatable {
    /// A field value.
    public indirect enum Value: Sendable, Equatable {
        case int(Int64)
        case uint(UInt64)
        case double(Double)
        case bool(Bool)
        case string(String)
        case bytes(Data)
        case enumValue(Int32)
        case message(DynamicMessage)
        case list([Value])
    }

    /// The message's fully qualified proto name.
    public let typeName: String
    /// The fields that are set, by proto name. Proto3 fields without
    /// presence are always listed; unset proto2 fields are not.
    public let fields: [String: Value]

    /// Decodes `bytes` as the message `descriptor` describes.
    public init(serializedBytes bytes: some ContiguousBytes, descriptor: MessageDescriptor,
                limits: DecodingLimits = .default) throws {
        self = try bytes.withUnsafeBytes { buffer in
            try withUnpacked(buffer, descriptor: descriptor.pointer, limits: limits) { message in
                DynamicMessage(reader: MessageReader(message: message))
            }
        }
    }

    init(reader: borrowing MessageReader) {
        let descriptor = reader.message.load(as: UnsafePointer<ProtobufCMessageDescriptor>.self)
        var fields: [String: Value] = [:]
        for index in 0..<Int(descriptor.pointee.n_fields) {
            let field = reader.field(index)
            if field.pointee.label == PROTOBUF_C_LABEL_REPEATED {
                let values = Self.list(reader, index, type: field.pointee.type)
                if !values.isEmpty { fields[field.name] = .list(values) }
            } else if reader.has(index) {
                fields[field.name] = Self.value(reader, index, type: field.pointee.type)
            }
        }
        self.typeName = descriptor.fullName
        self.fields = fields
    }

    /// The value of a field that is set: `has` was true, so a message field
    /// is there too (protobuf-c sets a oneof's case only with its message).
    private static func value(_ reader: borrowing MessageReader, _ index: Int, type: ProtobufCType) -> Value {
        switch type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            return .int(Int64(reader.scalar(index, as: Int32.self)))
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            return .int(reader.scalar(index, as: Int64.self))
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            return .uint(UInt64(reader.scalar(index, as: UInt32.self)))
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64:
            return .uint(reader.scalar(index, as: UInt64.self))
        case PROTOBUF_C_TYPE_FLOAT:
            return .double(Double(reader.scalar(index, as: Float.self)))
        case PROTOBUF_C_TYPE_DOUBLE:
            return .double(reader.scalar(index, as: Double.self))
        case PROTOBUF_C_TYPE_BOOL:
            return .bool(reader.bool(index))
        case PROTOBUF_C_TYPE_ENUM:
            return .enumValue(reader.scalar(index, as: Int32.self))
        case PROTOBUF_C_TYPE_STRING:
            return .string(reader.string(index))
        case PROTOBUF_C_TYPE_BYTES:
            return .bytes(reader.bytes(index))
        default:
            return .message(reader.message(index) { DynamicMessage(reader: $0) }!)
        }
    }

    private static func list(_ reader: borrowing MessageReader, _ index: Int, type: ProtobufCType) -> [Value] {
        switch type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            return reader.repeatedScalar(index, as: Int32.self).map { .int(Int64($0)) }
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            return reader.repeatedScalar(index, as: Int64.self).map { .int($0) }
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            return reader.repeatedScalar(index, as: UInt32.self).map { .uint(UInt64($0)) }
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64:
            return reader.repeatedScalar(index, as: UInt64.self).map { .uint($0) }
        case PROTOBUF_C_TYPE_FLOAT:
            return reader.repeatedScalar(index, as: Float.self).map { .double(Double($0)) }
        case PROTOBUF_C_TYPE_DOUBLE:
            return reader.repeatedScalar(index, as: Double.self).map { .double($0) }
        case PROTOBUF_C_TYPE_BOOL:
            return reader.repeatedBool(index).map { .bool($0) }
        case PROTOBUF_C_TYPE_ENUM:
            return reader.repeatedScalar(index, as: Int32.self).map { .enumValue($0) }
        case PROTOBUF_C_TYPE_STRING:
            return reader.repeatedString(index).map { .string($0) }
        case PROTOBUF_C_TYPE_BYTES:
            return reader.repeatedBytes(index).map { .bytes($0) }
        default:
            return reader.repeatedMessage(index) { .message(DynamicMessage(reader: $0)) }
        }
    }

    // MARK: Typed access

    /// The string field `name`, or nil when unset.
    public func string(_ name: String) -> String? {
        if case let .string(value)? = fields[name] { return value }
        return nil
    }

    /// The integer (or enum) field `name`, or nil when unset.
    public func int(_ name: String) -> Int64? {
        switch fields[name] {
        case let .int(value)?: return value
        case let .enumValue(value)?: return Int64(value)
        case let .uint(value)?: return Int64(exactly: value)
        default: return nil
        }
    }

    /// The bool field `name`, or nil when unset.
    public func bool(_ name: String) -> Bool? {
        if case let .bool(value)? = fields[name] { return value }
        return nil
    }

    /// The message field `name`, or nil when unset.
    public func message(_ name: String) -> DynamicMessage? {
        if case let .message(value)? = fields[name] { return value }
        return nil
    }

    /// The elements of the repeated message field `name`.
    public func messages(_ name: String) -> [DynamicMessage] {
        guard case let .list(values)? = fields[name] else { return [] }
        return values.compactMap { if case let .message(message) = $0 { message } else { nil } }
    }

    /// The elements of the repeated string field `name`.
    public func strings(_ name: String) -> [String] {
        guard case let .list(values)? = fields[name] else { return [] }
        return values.compactMap { if case let .string(string) = $0 { string } else { nil } }
    }

    /// The elements of the repeated integer field `name`.
    public func ints(_ name: String) -> [Int64] {
        guard case let .list(values)? = fields[name] else { return [] }
        return values.compactMap { if case let .int(int) = $0 { int } else { nil } }
    }
}
