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
        let stream = self.stream
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if stream.eventLoop.inEventLoop {
                    stream.value.waitForRequest(continuation)
                } else {
                    stream.eventLoop.execute { stream.value.waitForRequest(continuation) }
                }
            }
        } onCancel: {
            stream.eventLoop.execute { stream.value.cancelWaiters(RPCError(.cancelled, "the handler was cancelled")) }
        }
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
                                             maxMessageSize: maxSendMessageSize, allocator: ByteBufferAllocator())
        if eventLoop.inEventLoop, try stream.value.write(framed) {
            return
        }
        let stream = self.stream
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let write: @Sendable () -> Void = {
                    do {
                        if try stream.value.write(framed) {
                            continuation.resume()
                        } else {
                            stream.value.waitForDrain(continuation)
                        }
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                // On the loop this message was already queued above; only wait.
                if stream.eventLoop.inEventLoop {
                    stream.value.waitForDrain(continuation)
                } else {
                    stream.eventLoop.execute(write)
                }
            }
        } onCancel: {
            stream.eventLoop.execute { stream.value.cancelWaiters(RPCError(.cancelled, "the handler was cancelled")) }
        }
    }
}
