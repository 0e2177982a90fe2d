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
        try await stream.suspend({ $0.waitForResponse($1) }, onCancel: Self.cancelled)
    }

    /// The response headers' custom metadata.
    func initialMetadata() async throws -> Metadata {
        try await stream.suspend({ $0.waitForInitialMetadata($1) }, onCancel: Self.cancelled)
    }

    /// The final status and trailers, once the call is over. Cancelling the
    /// waiting task cancels the call.
    func outcome() async throws -> ClientStream.Outcome {
        try await stream.suspend({ $0.waitForOutcome($1) }, onCancel: Self.cancelled)
    }

    /// Waits for the status, then returns everything received (unary calls).
    /// Throws ``ClientConnectionHandler/Refused`` when the call may be sent again.
    func completion() async throws -> ClientStream.Completion {
        try await stream.suspend({ $0.waitForCompletion($1) }, onCancel: Self.cancelled)
    }

    /// Waits for the response headers or the end of the call. Throws
    /// ``ClientConnectionHandler/Refused`` when the call may be sent again.
    func responseStarted() async throws {
        try await stream.suspend({ $0.waitForStart($1) }, onCancel: Self.cancelled)
    }

    func write(_ framed: ByteBuffer) async throws {
        try await stream.suspend({ stream, continuation in
            do {
                if try stream.write(framed) {
                    continuation.resume()
                } else {
                    stream.waitForDrain(continuation)
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }, onCancel: Self.cancelled)
    }

    func finishRequests() {
        let stream = self.stream
        eventLoop.execute { stream.value.finishRequests() }
    }

    func cancel(_ error: RPCError = RPCError(.cancelled, "the call was cancelled by the client")) {
        let stream = self.stream
        eventLoop.execute { stream.value.cancel(error) }
    }

    /// Cancelling the calling task cancels the call.
    private static let cancelled: @Sendable (ClientStream) -> Void = {
        $0.cancel(RPCError(.cancelled, "the call was cancelled by the client"))
    }
}
