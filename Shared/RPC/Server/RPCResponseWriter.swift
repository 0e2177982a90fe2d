import NIOCore
import Protobuf

/// Sends the responses of a server- or bidirectional-streaming call.
/// `write` waits while the client's flow-control window is full, so a slow
/// reader slows the handler instead of growing a buffer.
public struct RPCResponseWriter<Message: ProtobufMessage>: Sendable {
    let call: ServerCallHandle

    /// Sends one message. `compress` overrides the context's
    /// `compressResponses` for this message.
    public func write(_ message: Message, compress: Bool? = nil) async throws {
        try await call.send(message, compress: compress)
    }

    /// Sends the response headers (and the context's initial metadata) now,
    /// before any message: for streams whose first message may be long in
    /// coming, so the client knows the call was accepted.
    public func sendHeaders() async throws {
        try await call.sendHeaders()
    }

    /// Sends each message in order.
    public func write(contentsOf messages: some Sequence<Message>) async throws {
        for message in messages { try await write(message) }
    }
}
