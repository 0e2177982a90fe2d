import CProtobufC

/// Where a field lives inside a protobuf-c message struct, and how its
/// presence is recorded. protobuf-c describes every field by offsets from the
/// start of the struct; these helpers are the only place that reads them.
extension UnsafePointer where Pointee == ProtobufCFieldDescriptor {
    @inlinable
    var isOneofMember: Bool { pointee.flags & UInt32(PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue) != 0 }

    /// Whether protobuf-c keeps a separate `has_` flag (proto2 optional
    /// scalars and bytes).
    @inlinable
    var hasPresenceFlag: Bool {
        !isOneofMember
            && pointee.label == PROTOBUF_C_LABEL_OPTIONAL
            && pointee.type != PROTOBUF_C_TYPE_MESSAGE
            && pointee.type != PROTOBUF_C_TYPE_STRING
    }

    @inlinable
    var isPointerValued: Bool {
        pointee.type == PROTOBUF_C_TYPE_MESSAGE || pointee.type == PROTOBUF_C_TYPE_STRING
    }

    @inlinable
    var offset: Int { Int(pointee.offset) }

    @inlinable
    var quantifierOffset: Int { Int(pointee.quantifier_offset) }

    var nestedMessageDescriptor: UnsafePointer<ProtobufCMessageDescriptor> {
        pointee.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
    }

    /// The field's proto name.
    var name: String { String(cString: pointee.name) }

    /// `Message.field`, as errors name the field.
    func qualifiedName(in message: UnsafePointer<ProtobufCMessageDescriptor>) -> String {
        message.fullName + "." + name
    }
}

extension UnsafePointer where Pointee == ProtobufCMessageDescriptor {
    /// The message's fully qualified proto name.
    var fullName: String { String(cString: pointee.name) }
}

/// The Swift types protobuf-c stores scalar fields as, bit for bit.
public protocol ProtobufScalar: BitwiseCopyable, Sendable, Equatable {}
extension Int32: ProtobufScalar {}
extension UInt32: ProtobufScalar {}
extension Int64: ProtobufScalar {}
extension UInt64: ProtobufScalar {}
extension Float: ProtobufScalar {}
extension Double: ProtobufScalar {}
