import Gzip
import NIOCore

/// Splits a stream's received bytes into gRPC messages: a compressed flag,
/// a 4-byte big-endian length, then the message. The declared length is
/// checked against the limit before any buffering for it. Compressed
/// messages stay compressed until ``inflate(_:)``, called when a reader
/// takes them, so a queue of small gzip bombs never expands at once.
struct MessageDeframer {
    /// A framed message as received: still compressed when the flag says so.
    typealias Frame = (payload: ByteBuffer, compressed: Bool)

    /// What the peer's messages claim to be compressed with (`grpc-encoding`),
    /// nil when the peer declared none.
    let encoding: CompressionAlgorithm?
    let maxMessageSize: Int
    private var buffer = ByteBuffer()
    /// Whether `buffer` is a slice of a received buffer rather than storage
    /// of its own.
    private var bufferIsShared = false

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
            bufferIsShared = true
        } else {
            var data = data
            buffer.writeBuffer(&data)
            bufferIsShared = false  // Writing gave it storage of its own.
        }
    }

    /// The next complete frame, or nil until more bytes arrive.
    mutating func next() throws(RPCError) -> Frame? {
        guard buffer.readableBytes >= 5,
              let flag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let length = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)
        else { return keepingPartial() }
        guard flag <= 1 else {
            throw RPCError(.internal, "invalid compressed flag \(flag) in message prefix")
        }
        if flag == 1, encoding == nil || encoding == .identity {
            throw RPCError(.internal, "received a compressed message but no grpc-encoding was negotiated")
        }
        guard Int(length) <= maxMessageSize else {
            throw RPCError(.resourceExhausted, "message of \(length) bytes exceeds the limit of \(maxMessageSize) bytes")
        }
        guard buffer.readableBytes >= 5 + Int(length) else { return keepingPartial() }
        buffer.moveReaderIndex(forwardBy: 5)
        let payload = buffer.readSlice(length: Int(length))!
        if buffer.readableBytes == 0 {
            buffer = ByteBuffer()
            bufferIsShared = false
        }
        return (payload, flag == 1)
    }

    /// No complete frame yet. A small partial message kept as a slice would
    /// pin the whole received buffer it came from, so it gets storage of its own.
    private mutating func keepingPartial() -> Frame? {
        if bufferIsShared, buffer.readableBytes > 0, buffer.readableBytes < 64 * 1024 {
            buffer = ByteBuffer(bytes: buffer.readableBytesView)
            bufferIsShared = false
        }
        return nil
    }

    /// The message of `frame`, decompressed (at most `maxMessageSize` bytes).
    func inflate(_ frame: Frame) throws(RPCError) -> ByteBuffer {
        guard frame.compressed else { return frame.payload }
        do {
            return try Gzip.decompress(frame.payload, limit: maxMessageSize)
        } catch let .tooLarge(limit) {
            throw RPCError(.resourceExhausted, "decompressed message exceeds the limit of \(limit) bytes")
        } catch {
            throw RPCError(.internal, "failed to decompress message: \(error)")
        }
    }

    /// Drops everything buffered: the call is over.
    mutating func discard() {
        buffer = ByteBuffer()
        bufferIsShared = false
    }
}
