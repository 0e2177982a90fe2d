import NIOCore

/// Sends the requests of a client- or bidirectional-streaming call. `write`
/// waits while the server's flow-control window is full.
public struct RPCRequestWriter<Message: Sendable>: Sendable {
    let call: ClientCall
    let encode: @Sendable (Message) throws -> ByteBuffer

    /// Sends one request message.
    public func write(_ message: Message) async throws {
        try await call.write(try encode(message))
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
