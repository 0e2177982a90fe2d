import NIOCore

/// The deframer, for fuzzing from outside the module.
@_spi(Fuzzing)
public enum MessageFraming {
    /// Splits the concatenated `chunks` into messages exactly as a stream
    /// receiving them would, including decompression; throws the status the
    /// call would end with.
    public static func deframe(_ chunks: [ByteBuffer], encoding: CompressionAlgorithm?,
                               maxMessageSize: Int) throws -> [ByteBuffer] {
        var deframer = MessageDeframer(encoding: encoding, maxMessageSize: maxMessageSize)
        var messages: [ByteBuffer] = []
        for chunk in chunks {
            deframer.append(chunk)
            while let frame = try deframer.next() { messages.append(try deframer.inflate(frame)) }
        }
        if deframer.hasPartialMessage { throw RPCError(.internal, "truncated message") }
        return messages
    }
}
