import Gzip
import NIOCore

/// Splits a stream's received bytes into gRPC messages: a compressed flag,
/// a 4-byte big-endian length, then the message. The declared length is
/// checked against the limit before any buffering for it, and compressed
/// messages are inflated only up to the limit.
struct MessageDeframer {
    /// What the peer's messages claim to be compressed with (`grpc-encoding`),
    /// nil when the peer declared none.
    let encoding: CompressionAlgorithm?
    let maxMessageSize: Int
    private var buffer = ByteBuffer()

    init(encoding: CompressionAlgorithm?, maxMessageSize: Int) {
        self.encoding = encoding
        self.maxMessageSize = maxMessageSize
    }

    /// Whether bytes of an incomplete message are buffered: at the end of the
    /// stream, that means the message was truncated.
    var hasPartialMessage: Bool { buffer.readableBytes > 0 }

    mutating func append(_ data: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = data  // Share the received slice instead of copying.
        } else {
            var data = data
            buffer.writeBuffer(&data)
        }
    }

    /// The next complete message, or nil until more bytes arrive.
    mutating func next() throws(RPCError) -> (message: ByteBuffer, wasCompressed: Bool)? {
        guard buffer.readableBytes >= 5,
              let flag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let length = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)
        else { return nil }
        guard flag <= 1 else {
            throw RPCError(.internal, "invalid compressed flag \(flag) in message prefix")
        }
        guard Int(length) <= maxMessageSize else {
            throw RPCError(.resourceExhausted, "message of \(length) bytes exceeds the limit of \(maxMessageSize) bytes")
        }
        guard buffer.readableBytes >= 5 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        let payload = buffer.readSlice(length: Int(length))!
        if buffer.readableBytes == 0 { buffer = ByteBuffer() }
        guard flag == 1 else { return (payload, false) }
        switch encoding {
        case nil, .identity?:
            throw RPCError(.internal, "received a compressed message but no grpc-encoding was negotiated")
        case .gzip?:
            do {
                return (try Gzip.decompress(payload, limit: maxMessageSize), true)
            } catch let .tooLarge(limit) {
                throw RPCError(.resourceExhausted, "decompressed message exceeds the limit of \(limit) bytes")
            } catch {
                throw RPCError(.internal, "failed to decompress message: \(error)")
            }
        }
    }
}
