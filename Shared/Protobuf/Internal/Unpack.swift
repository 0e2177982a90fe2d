import CProtobufC

/// Checks untrusted `bytes` (size, then structure, depth and strings),
/// unpacks them with protobuf-c into an arena, and lends the C message to
/// `body` while the arena lives.
func withUnpacked<R>(_ bytes: UnsafeRawBufferPointer,
                     descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
                     limits: DecodingLimits,
                     _ body: (UnsafeRawPointer) throws -> R) throws -> R {
    guard bytes.count <= limits.maxMessageSize else {
        throw ProtobufDecodingError.messageTooLarge(size: bytes.count, limit: limits.maxMessageSize)
    }
    let footprint = try WireValidator(maxDepth: limits.maxDepth).validate(bytes, as: descriptor)
    guard footprint <= limits.maxUnpackedSize else {
        throw ProtobufDecodingError.expansionLimitExceeded(message: descriptor.fullName)
    }
    // The estimate bounds what protobuf-c asks for; three times it covers the
    // growth of its temporary arrays and unknown fields' records. Running out
    // means the estimate was wrong for this input, which is then refused
    // rather than trusted.
    let arena = Arena(budget: 64 * 1024 + 3 * footprint)
    return try withExtendedLifetime(arena) {
        var allocator = arena.protobufCAllocator
        var empty: UInt8 = 0
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let unpacked = withUnsafePointer(to: &empty) { fallback in
            protobuf_c_message_unpack(descriptor, &allocator, bytes.count, data ?? fallback)
        }
        guard let unpacked else {
            if arena.exceededBudget { throw ProtobufDecodingError.expansionLimitExceeded(message: descriptor.fullName) }
            throw ProtobufDecodingError.malformed(message: descriptor.fullName, reason: "protobuf-c rejected the encoding")
        }
        return try body(UnsafeRawPointer(unpacked))
    }
}
