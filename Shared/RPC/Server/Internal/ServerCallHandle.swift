import NIOCore
import Protobuf

/// A handler task's access to its stream. The stream itself lives on the
/// connection's event loop; every method here runs there directly when the
/// task already is (the default executor preference) and hops otherwise.
struct ServerCallHandle: Sendable {
    typealias RawMessage = (message: ByteBuffer, wasCompressed: Bool)

    let stream: NIOLoopBound<ServerStream>
    let context: RPCServerContext
    /// The request of a unary or server-streaming call, complete before the
    /// handler starts.
    let singleRequest: RawMessage?
    let limits: DecodingLimits
    let maxSendMessageSize: Int
    let clientAcceptsGzip: Bool

    private var eventLoop: any EventLoop { stream.eventLoop }

    func singleRequest<Message: ProtobufMessage>(as type: Message.Type) throws -> Message {
        guard let singleRequest else { preconditionFailure("streaming calls have no single request") }
        context.recordRequestCompression(singleRequest.wasCompressed)
        return try decode(singleRequest.message, as: Message.self)
    }

    func nextRequest<Message: ProtobufMessage>(as type: Message.Type) async throws -> (message: Message, wasCompressed: Bool)? {
        guard let raw = try await nextRawRequest() else { return nil }
        return (try decode(raw.message, as: Message.self), raw.wasCompressed)
    }

    private func decode<Message: ProtobufMessage>(_ buffer: ByteBuffer, as type: Message.Type) throws -> Message {
        do {
            return try Message(buffer: buffer, limits: limits)
        } catch {
            throw RPCError(.internal, "failed to decode request message: \(error)")
        }
    }

    private func nextRawRequest() async throws -> RawMessage? {
        if eventLoop.inEventLoop, let ready = try stream.value.takeRequest() {
            return ready
        }
        return try await stream.suspend({ $0.waitForRequest($1) }, onCancel: Self.cancelled)
    }

    func sendHeaders() async throws {
        let stream = self.stream
        if eventLoop.inEventLoop {
            try stream.value.sendHeadersIfNeeded()
        } else {
            try await eventLoop.submit { try stream.value.sendHeadersIfNeeded() }.get()
        }
    }

    func send<Message: ProtobufMessage>(_ message: Message, compress: Bool?) async throws {
        let compressed = (compress ?? context.compressResponses) && clientAcceptsGzip
        let framed = try MessageFramer.frame(message, compression: compressed ? .gzip : .identity,
                                             maxMessageSize: maxSendMessageSize)
        if eventLoop.inEventLoop, try stream.value.write(framed) {
            return
        }
        let queued = eventLoop.inEventLoop  // Then the message is queued already; only wait.
        try await stream.suspend({ stream, continuation in
            do {
                let mustWait = queued ? true : !(try stream.write(framed))
                if mustWait {
                    stream.waitForDrain(continuation)
                } else {
                    continuation.resume()
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }, onCancel: Self.cancelled)
    }

    /// Cancelling the handler's task fails what it waits for.
    private static let cancelled: @Sendable (ServerStream) -> Void = {
        $0.cancelWaiters(RPCError(.cancelled, "the handler was cancelled"))
    }
}
