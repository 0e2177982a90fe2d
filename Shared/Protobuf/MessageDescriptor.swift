import CProtobufC

/// The protobuf-c runtime descriptor of one message type: the C layout that
/// protobuf-c packs from and unpacks into.
///
/// Generated code obtains descriptors from the accessor functions in
/// `RestaurantProtosC`; applications only pass them around.
public struct MessageDescriptor: @unchecked Sendable, Hashable {
    // Sendable: the pointer refers to a `const` descriptor that protoc-c
    // emitted into static storage. It is never written and lives as long as
    // the process, so sharing it across threads cannot race.
    @usableFromInline
    let pointer: UnsafePointer<ProtobufCMessageDescriptor>

    /// Wraps a protoc-c generated descriptor.
    @_spi(ProtobufGenerated)
    public init(_ pointer: UnsafePointer<ProtobufCMessageDescriptor>) {
        precondition(pointer.pointee.magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
                     "not a protobuf-c message descriptor")
        self.pointer = pointer
    }

    /// The message's fully qualified proto name, such as `restaurant.catalog.v1.Product`.
    public var fullName: String { pointer.fullName }

    /// The number of fields the message declares.
    public var fieldCount: Int { Int(pointer.pointee.n_fields) }

    /// The proto name of the field at `index` (fields are ordered by number).
    public func fieldName(at index: Int) -> String {
        precondition(index >= 0 && index < fieldCount, "field index out of range")
        return (pointer.pointee.fields + index).name
    }
}
