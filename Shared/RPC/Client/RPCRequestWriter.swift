import NIOCore
import Protobuf

/// Sends the requests of a client- or bidirectional-streaming call. `write`
/// waits while the server's flow-control window is full.
public struct RPCRequestWriter<Message: ProtobufMessage>: Sendable {
    let call: ClientCall
    let compression: CompressionAlgorithm
    let maxMessageSize: Int

    /// Sends one request message.
    public func write(_ message: Message) async throws {
        let framed = try MessageFramer.frame(message, compression: compression, maxMessageSize: maxMessageSize,
                                             allocator: ByteBufferAllocator())
        try await call.write(framed)
    }

    /// Sends each message in order.
    public func write(contentsOf messages: some Sequence<Message>) async throws {
        for message in messages { try await write(message) }
    }

    /// Ends the request side (half-close) while responses keep arriving.
    public func finish() {
        call.finishRequests()
    }
}
