import CZlib
import NIOCore

/// gzip (RFC 1952) compression on zlib, as gRPC's `grpc-encoding: gzip` uses.
public enum Gzip {
    /// Why bytes could not be decompressed.
    public enum Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// Decompressing would produce more than the limit: a zip bomb or an
        /// oversized message.
        case tooLarge(limit: Int)
        /// The bytes are not valid gzip data.
        case corrupt(String)

        public var description: String {
            switch self {
            case let .tooLarge(limit): "decompressed message exceeds the limit of \(limit) bytes"
            case let .corrupt(reason): "invalid gzip data: \(reason)"
            }
        }
    }

    /// Window bits selecting the gzip wrapper (15 + 16).
    private static let gzipWindowBits: Int32 = 31

    /// The gzip encoding of `input`'s readable bytes, appended to `output`.
    public static func compress(_ input: ByteBuffer, into output: inout ByteBuffer) {
        var stream = z_stream()
        let status = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzipWindowBits, 8,
                                   Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        defer { deflateEnd(&stream) }
        input.withUnsafeReadableBytes { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(source.count)
            var result = Z_OK
            while result != Z_STREAM_END {
                let capacity = Int(deflateBound(&stream, uLong(stream.avail_in))) + 64
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { destination in
                    stream.next_out = destination.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(destination.count)
                    result = deflate(&stream, Z_FINISH)
                    precondition(result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR, "deflate failed: \(result)")
                    return destination.count - Int(stream.avail_out)
                }
            }
        }
    }

    /// Decompresses `input`'s readable bytes, failing once the output would
    /// exceed `limit` bytes, before allocating past it.
    public static func decompress(_ input: ByteBuffer, limit: Int) throws(Gzip.Error) -> ByteBuffer {
        var stream = z_stream()
        let status = inflateInit2_(&stream, gzipWindowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .corrupt("inflateInit2 failed (\(status))") }
        defer { inflateEnd(&stream) }
        var output = ByteBufferAllocator().buffer(capacity: min(max(input.readableBytes * 4, 256), limit + 1))
        let outcome: Result<Void, Gzip.Error> = input.withUnsafeReadableBytes { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(source.count)
            while true {
                if output.readableBytes > limit { return .failure(.tooLarge(limit: limit)) }
                let room = min(max(output.writableBytes, 16 * 1024), limit + 1 - output.readableBytes)
                var result = Z_OK
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { destination in
                    stream.next_out = destination.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(room)
                    result = inflate(&stream, Z_NO_FLUSH)
                    return room - Int(stream.avail_out)
                }
                switch result {
                case Z_STREAM_END:
                    if output.readableBytes > limit { return .failure(.tooLarge(limit: limit)) }
                    return stream.avail_in == 0 ? .success(()) : .failure(.corrupt("trailing bytes after the gzip stream"))
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    return .failure(.corrupt("truncated"))
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(result)"
                    return .failure(.corrupt(reason))
                }
            }
        }
        try outcome.get()
        return output
    }
}
