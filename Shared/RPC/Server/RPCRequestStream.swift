import NIOCore
import Protobuf

/// The requests of a client- or bidirectional-streaming call, decoded as they
/// arrive. Reading is what opens the client's flow-control window: a handler
/// that stops reading makes the client wait instead of the server buffering.
public struct RPCRequestStream<Message: ProtobufMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let call: ServerCallHandle

    public struct AsyncIterator: AsyncIteratorProtocol {
        let call: ServerCallHandle

        public mutating func next() async throws -> Message? {
            try await call.nextRequest(as: Message.self)?.message
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(call: call)
    }

    /// A request and whether it arrived compressed.
    public struct ReceivedMessage: Sendable {
        public var message: Message
        public var wasCompressed: Bool
    }

    /// The next request with its compression flag, nil at the end.
    public func nextReceived() async throws -> ReceivedMessage? {
        try await call.nextRequest(as: Message.self).map { ReceivedMessage(message: $0.message, wasCompressed: $0.wasCompressed) }
    }
}
