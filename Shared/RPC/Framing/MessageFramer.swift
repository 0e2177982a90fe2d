import Gzip
import NIOCore
import Protobuf

/// Encodes messages with the gRPC 5-byte prefix.
enum MessageFramer {
    /// The framed encoding of `message`, compressed when `compression` is
    /// gzip. Fails with RESOURCE_EXHAUSTED above `maxMessageSize`.
    static func frame(_ message: some ProtobufMessage, compression: CompressionAlgorithm,
                      maxMessageSize: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(0))
        let size: Int
        do {
            size = try message.serialize(into: &buffer)
        } catch {
            throw RPCError(.internal, "failed to encode \(type(of: message)): \(error)")
        }
        try check(size, maxMessageSize)
        guard compression == .gzip else {
            buffer.setInteger(UInt32(size), at: 1)
            return buffer
        }
        return compressed(buffer.getSlice(at: 5, length: size)!)
    }

    /// The framed form of an already encoded message.
    static func frame(payload: ByteBuffer, compression: CompressionAlgorithm,
                      maxMessageSize: Int) throws -> ByteBuffer {
        try check(payload.readableBytes, maxMessageSize)
        guard compression == .identity else { return compressed(payload) }
        var buffer = ByteBufferAllocator().buffer(capacity: payload.readableBytes + 5)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(payload.readableBytes))
        buffer.writeImmutableBuffer(payload)
        return buffer
    }

    private static func check(_ size: Int, _ maxMessageSize: Int) throws {
        guard size <= maxMessageSize else {
            throw RPCError(.resourceExhausted, "message of \(size) bytes exceeds the limit of \(maxMessageSize) bytes")
        }
    }

    private static func compressed(_ plain: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: plain.readableBytes / 2 + 64)
        buffer.writeInteger(UInt8(1))
        buffer.writeInteger(UInt32(0))
        Gzip.compress(plain, into: &buffer)
        buffer.setInteger(UInt32(buffer.readableBytes - 5), at: 1)
        return buffer
    }
}
