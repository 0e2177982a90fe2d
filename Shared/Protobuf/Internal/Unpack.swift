import CProtobufC

/// Unpacks validated bytes into protobuf-c structs allocated from `arena`;
/// nil when protobuf-c rejects them or the arena's budget runs out.
func unpack(_ bytes: UnsafeRawBufferPointer,
            descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
            arena: Arena) -> UnsafeRawPointer? {
    var allocator = arena.protobufCAllocator
    var empty: UInt8 = 0
    let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    let message = withUnsafePointer(to: &empty) { fallback in
        protobuf_c_message_unpack(descriptor, &allocator, bytes.count, data ?? fallback)
    }
    return message.map(UnsafeRawPointer.init)
}
