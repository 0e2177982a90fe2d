import Gzip
import NIOCore
import Protobuf

/// Encodes messages with the gRPC 5-byte prefix.
enum MessageFramer {
    /// The framed encoding of `message`, compressed when `compression` is
    /// gzip. Fails with RESOURCE_EXHAUSTED above `maxMessageSize`.
    static func frame(_ message: some ProtobufMessage, compression: CompressionAlgorithm,
                      maxMessageSize: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(0))
        let size: Int
        do {
            size = try message.serialize(into: &buffer)
        } catch {
            throw RPCError(.internal, "failed to encode \(type(of: message)): \(error)")
        }
        guard size <= maxMessageSize else {
            throw RPCError(.resourceExhausted, "message of \(size) bytes exceeds the limit of \(maxMessageSize) bytes")
        }
        guard compression == .gzip else {
            buffer.setInteger(UInt32(size), at: 1)
            return buffer
        }
        let plain = buffer.getSlice(at: 5, length: size)!
        var compressed = allocator.buffer(capacity: size / 2 + 64)
        compressed.writeInteger(UInt8(1))
        compressed.writeInteger(UInt32(0))
        Gzip.compress(plain, into: &compressed)
        compressed.setInteger(UInt32(compressed.readableBytes - 5), at: 1)
        return compressed
    }
}
