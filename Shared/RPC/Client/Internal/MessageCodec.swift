import NIOCore
import Protobuf

/// How a call turns its messages into framed bytes and back: generated
/// message types, or payloads that are already encoded (dynamic clients).
struct MessageCodec<Request, Response>: Sendable {
    let encode: @Sendable (Request) throws -> ByteBuffer
    let decode: @Sendable (ByteBuffer) throws -> Response
}

extension MessageCodec where Request: ProtobufMessage, Response: ProtobufMessage {
    init(compression: CompressionAlgorithm, maxSendMessageSize: Int, limits: DecodingLimits) {
        encode = { message in
            try MessageFramer.frame(message, compression: compression, maxMessageSize: maxSendMessageSize)
        }
        decode = { buffer in
            do {
                return try Response(buffer: buffer, limits: limits)
            } catch {
                throw RPCError(.internal, "failed to decode a response message: \(error)")
            }
        }
    }
}

extension MessageCodec where Request == ByteBuffer, Response == ByteBuffer {
    init(compression: CompressionAlgorithm, maxSendMessageSize: Int) {
        encode = { payload in
            try MessageFramer.frame(payload: payload, compression: compression, maxMessageSize: maxSendMessageSize)
        }
        decode = { $0 }
    }
}
