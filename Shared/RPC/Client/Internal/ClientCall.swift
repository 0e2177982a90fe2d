import HTTP2
import NIOCore

/// A caller's handle on one stream of a call. The stream lives on its
/// connection's event loop; every method hops there.
struct ClientCall: Sendable {
    let stream: NIOLoopBound<ClientStream>

    private var eventLoop: any EventLoop { stream.eventLoop }

    /// Opens a stream on `connection`, sending `headers` and optionally the
    /// first (or only) request message.
    static func open(on connection: ClientConnection.Ready, headers: [HTTP2Header], message: ByteBuffer?,
                     endStream: Bool, deadline: ContinuousClock.Instant?) async throws -> ClientCall {
        let handler = connection.handler
        let stream = try await handler.eventLoop.submit {
            let stream = try handler.value.startStream(headers: headers, message: message, endStream: endStream, deadline: deadline)
            return NIOLoopBound(stream, eventLoop: handler.eventLoop)
        }.get()
        return ClientCall(stream: stream)
    }

    /// The next response message, nil after an OK status; throws the status
    /// otherwise.
    func nextResponse() async throws -> ByteBuffer? {
        try await whileCancellable { continuation in
            stream.value.waitForResponse(continuation)
        }
    }

    /// The response headers' custom metadata.
    func initialMetadata() async throws -> Metadata {
        try await whileCancellable { continuation in
            stream.value.waitForInitialMetadata(continuation)
        }
    }

    /// The final status and trailers, once the call is over.
    func outcome() async -> ClientStream.Outcome {
        await withCheckedContinuation { continuation in
            let stream = self.stream
            stream.eventLoop.execute { stream.value.waitForOutcome(continuation) }
        }
    }

    /// Waits for the status, then returns everything received (unary calls).
    func completion() async throws -> ClientStream.Completion {
        let stream = self.stream
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if stream.eventLoop.inEventLoop {
                    stream.value.waitForCompletion(continuation)
                } else {
                    stream.eventLoop.execute { stream.value.waitForCompletion(continuation) }
                }
            }
        } onCancel: {
            stream.eventLoop.execute { stream.value.cancel(RPCError(.cancelled, "the call was cancelled by the client")) }
        }
    }

    /// Whether the server refused the stream unprocessed, so it may be retried.
    func isRetryable() async -> Bool {
        let stream = self.stream
        return (try? await eventLoop.submit { stream.value.isRetryable }.get()) ?? false
    }

    func write(_ framed: ByteBuffer) async throws {
        let stream = self.stream
        try await whileCancellable { (continuation: CheckedContinuation<Void, Error>) in
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
    }

    func finishRequests() {
        let stream = self.stream
        eventLoop.execute { stream.value.finishRequests() }
    }

    func cancel(_ error: RPCError = RPCError(.cancelled, "the call was cancelled by the client")) {
        let stream = self.stream
        eventLoop.execute { stream.value.cancel(error) }
    }

    /// Runs `body` on the event loop with a continuation, cancelling the
    /// call if the calling task is cancelled.
    private func whileCancellable<T: Sendable>(
        _ body: @escaping @Sendable (CheckedContinuation<T, Error>) -> Void
    ) async throws -> T {
        let stream = self.stream
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if stream.eventLoop.inEventLoop {
                    body(continuation)
                } else {
                    stream.eventLoop.execute { body(continuation) }
                }
            }
        } onCancel: {
            stream.eventLoop.execute { stream.value.cancel(RPCError(.cancelled, "the call was cancelled by the client")) }
        }
    }
}
