import HTTP2
import NIOCore

/// One call's client-side state on its connection's event loop: the
/// response headers, messages and status as they arrive, and the request
/// body's backpressure.
final class ClientStream {
    typealias Outcome = (status: RPCStatus, trailers: Metadata)

    let id: Int32
    /// Strong: callers still holding the stream keep the connection's state
    /// alive (the connection drops its streams when they close).
    let connection: ClientConnectionHandler
    private let maxReceiveMessageSize: Int
    /// The whole request went out with the headers (unary and
    /// server-streaming calls), so the call can be sent again if refused.
    private let isReplayable: Bool
    private var deframer: MessageDeframer?

    private var initialMetadata: Metadata?
    private var initialWaiters: [CheckedContinuation<Metadata, Error>] = []
    /// Received responses, still compressed until read.
    private var responses = CircularBuffer<MessageDeframer.Frame>()
    private var responseWaiter: CheckedContinuation<ByteBuffer?, Error>?
    private var heldBytes = HeldBytes()
    private(set) var outcome: Outcome?
    private var outcomeObservers: [(Outcome) -> Void] = []
    private var backpressure = OutboundBackpressure()
    private var startWaiters: [CheckedContinuation<Void, Error>] = []
    private var deadlineTimer: Scheduled<Void>?
    /// Set when the server refused a replayable call's stream before
    /// processing it: the call may be sent again, elsewhere.
    private var refusal: ClientConnectionHandler.Refused?
    private var requestFinished = false

    init(id: Int32, connection: ClientConnectionHandler, maxReceiveMessageSize: Int, isReplayable: Bool) {
        self.id = id
        self.connection = connection
        self.maxReceiveMessageSize = maxReceiveMessageSize
        self.isReplayable = isReplayable
    }

    private var session: HTTP2Session { connection.session }

    func armDeadline(_ deadline: ContinuousClock.Instant) {
        let remaining = deadline - ContinuousClock.now
        deadlineTimer = connection.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(max(remaining.nanoseconds, 0))) { [weak self] in
            guard let self, self.outcome == nil else { return }
            self.cancel(RPCError(.deadlineExceeded, "the deadline expired before the server answered"))
        }
    }

    // MARK: Receiving

    func received(_ headers: HTTP2HeaderBlock) {
        guard outcome == nil, headers.kind != .informational else { return }
        if headers.exceededLimit {
            // Fields past the limit were dropped: the block cannot be read.
            let error = RPCError(.resourceExhausted, "the response \(headers.kind == .trailers ? "trailers" : "headers") of \(headers.size) bytes exceed the header list limit")
            if headers.endsStream {
                complete(error.status, error.metadata)
                stopSendingIfNeeded()
            } else {
                cancel(error)
            }
            return
        }
        switch headers.kind {
        case .response where initialMetadata == nil:
            let status = headers[":status"] ?? ""
            if headers.endsStream || headers["grpc-status"] != nil {
                // Trailers-only: the status without a body. Headers exist only
                // for an OK call; a failure is what initialMetadata() throws.
                if status != "200", headers["grpc-status"] == nil {
                    complete(RPCStatus(Self.code(forHTTPStatus: status), "HTTP status \(status)"), Metadata())
                } else {
                    let grpcStatus = Self.status(from: headers)
                    if grpcStatus.code == .ok { initialMetadata = Metadata() }
                    complete(grpcStatus, Metadata(headerFields: headers.fields.map { ($0.name, $0.value) }))
                }
                stopSendingIfNeeded()
                return
            }
            guard status == "200" else {
                cancel(RPCError(Self.code(forHTTPStatus: status), "the server answered HTTP status \(status)"))
                return
            }
            guard let contentType = headers["content-type"], contentType.hasPrefix("application/grpc") else {
                cancel(RPCError(.internal, "the server answered with content-type '\(headers["content-type"] ?? "")', not application/grpc"))
                return
            }
            var encoding: CompressionAlgorithm?
            if let name = headers["grpc-encoding"] {
                guard let algorithm = CompressionAlgorithm(rawValue: name) else {
                    cancel(RPCError(.internal, "the server compressed with unsupported grpc-encoding '\(name)'"))
                    return
                }
                encoding = algorithm
            }
            deframer = MessageDeframer(encoding: encoding, maxMessageSize: maxReceiveMessageSize)
            initialMetadata = Metadata(headerFields: headers.fields.map { ($0.name, $0.value) })
            resumeInitialWaiters()
            resumeStartWaiters()
        default:
            // Trailers end the call.
            complete(Self.status(from: headers), Metadata(headerFields: headers.fields.map { ($0.name, $0.value) }))
            stopSendingIfNeeded()
        }
    }

    /// The server ended the call while this side was still sending: end the
    /// stream (RST_STREAM NO_ERROR) so neither side keeps it open.
    private func stopSendingIfNeeded() {
        guard !requestFinished else { return }
        requestFinished = true
        session.reset(id, errorCode: .noError)
        connection.scheduleFlush()
    }

    func received(_ data: ByteBuffer, endsStream: Bool) {
        heldBytes.hold(data.readableBytes)
        guard outcome == nil, deframer != nil else {
            returnUnconsumedBytes()
            return
        }
        // In place: a copy would duplicate the buffered partial message.
        deframer!.append(data)
        do {
            while let frame = try deframer!.next() { responses.append(frame) }
        } catch {
            cancel(error)
            return
        }
        if responses.count <= 1 { returnUnconsumedBytes() }
        resumeResponseWaiter()
        if endsStream {
            // DATA with END_STREAM but no trailers: the status is missing.
            complete(RPCStatus(.internal, "the server ended the stream without a grpc-status"), Metadata())
        }
    }

    private func returnUnconsumedBytes() {
        if heldBytes.release(to: session, on: id) { connection.scheduleFlush() }
    }

    /// The HTTP/2 stream closed. Without a status yet, that is a reset or a
    /// lost connection.
    func closed(errorCode: HTTP2ErrorCode, connectionLost: String?) {
        returnUnconsumedBytes()
        guard outcome == nil else { return }
        if let connectionLost {
            complete(RPCStatus(.unavailable, connectionLost), Metadata())
            return
        }
        if errorCode == .refusedStream && initialMetadata == nil {
            let error = RPCError(.unavailable, "the server refused the stream before processing it")
            if isReplayable { refusal = ClientConnectionHandler.Refused(error: error) }
            complete(error.status, error.metadata)
            return
        }
        let code: RPCStatus.Code = switch errorCode {
        case .refusedStream: .unavailable
        case .cancel: .cancelled
        case .enhanceYourCalm: .resourceExhausted
        case .inadequateSecurity: .permissionDenied
        default: .internal
        }
        complete(RPCStatus(code, "the stream was reset by the server (\(errorCode))"), Metadata())
    }

    // MARK: Reading

    func takeResponse() throws -> ByteBuffer?? {
        if let frame = responses.popFirst() {
            if responses.isEmpty { returnUnconsumedBytes() }
            do {
                return .some(try deframer!.inflate(frame))
            } catch {
                cancel(error)
                throw error
            }
        }
        guard let outcome else { return nil }
        if outcome.status.code == .ok { return .some(nil) }
        throw RPCError(outcome.status.code, outcome.status.message, metadata: outcome.trailers)
    }

    func waitForResponse(_ continuation: CheckedContinuation<ByteBuffer?, Error>) {
        do {
            if let ready = try takeResponse() {
                continuation.resume(returning: ready)
            } else if responseWaiter != nil {
                continuation.resume(throwing: RPCError(.internal, "the response stream was read by two tasks at once"))
            } else {
                responseWaiter = continuation
            }
        } catch {
            continuation.resume(throwing: error)
        }
    }

    private func resumeResponseWaiter() {
        guard let waiter = responseWaiter else { return }
        do {
            guard let ready = try takeResponse() else { return }
            responseWaiter = nil
            waiter.resume(returning: ready)
        } catch {
            responseWaiter = nil
            waiter.resume(throwing: error)
        }
    }

    func waitForInitialMetadata(_ continuation: CheckedContinuation<Metadata, Error>) {
        if let initialMetadata {
            continuation.resume(returning: initialMetadata)
        } else if let outcome {
            continuation.resume(throwing: RPCError(outcome.status.code == .ok ? .internal : outcome.status.code,
                                                   outcome.status.message, metadata: outcome.trailers))
        } else {
            initialWaiters.append(continuation)
        }
    }

    /// Once the headers or the outcome are known: early waiters get what
    /// later callers get.
    private func resumeInitialWaiters() {
        let waiters = initialWaiters
        initialWaiters.removeAll()
        for waiter in waiters { waitForInitialMetadata(waiter) }
    }

    /// Resumes once the response starts (its headers arrive) or the call
    /// ends. Throws ``ClientConnectionHandler/Refused`` for a replayable call
    /// the server refused unprocessed.
    func waitForStart(_ continuation: CheckedContinuation<Void, any Error>) {
        if initialMetadata != nil || outcome != nil {
            resumeStartWaiter(continuation)
        } else {
            startWaiters.append(continuation)
        }
    }

    private func resumeStartWaiter(_ waiter: CheckedContinuation<Void, any Error>) {
        if let refusal { waiter.resume(throwing: refusal) } else { waiter.resume() }
    }

    private func resumeStartWaiters() {
        for waiter in startWaiters { resumeStartWaiter(waiter) }
        startWaiters.removeAll()
    }

    /// Everything a unary call returns, once its status arrives.
    typealias Completion = (initialMetadata: Metadata, messages: [ByteBuffer], outcome: Outcome)

    /// Resumes once the call ends. Throws ``ClientConnectionHandler/Refused``
    /// for a replayable call the server refused unprocessed.
    func waitForCompletion(_ continuation: CheckedContinuation<Completion, any Error>) {
        whenComplete { [self] outcome in
            if let refusal {
                continuation.resume(throwing: refusal)
                return
            }
            do {
                let messages = try responses.map { try deframer!.inflate($0) }
                continuation.resume(returning: (initialMetadata ?? Metadata(), messages, outcome))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    func waitForOutcome(_ continuation: CheckedContinuation<Outcome, any Error>) {
        whenComplete { continuation.resume(returning: $0) }
    }

    private func whenComplete(_ body: @escaping (Outcome) -> Void) {
        if let outcome {
            body(outcome)
        } else {
            outcomeObservers.append(body)
        }
    }

    // MARK: Writing

    /// Queues a framed request; false when the writer should wait.
    func write(_ framed: ByteBuffer) throws -> Bool {
        if let outcome {
            throw RPCError(outcome.status.code == .ok ? .cancelled : outcome.status.code,
                           outcome.status.code == .ok ? "the call has already completed" : outcome.status.message)
        }
        guard !requestFinished else { throw RPCError(.internal, "a request was written after the request stream was finished") }
        session.send(framed, on: id)
        connection.scheduleFlush()
        return OutboundBackpressure.hasRoom(session.bufferedBytes(on: id))
    }

    func finishRequests() {
        guard !requestFinished, outcome == nil else { return }
        requestFinished = true
        session.finish(id, trailers: nil)
        connection.scheduleFlush()
    }

    func waitForDrain(_ continuation: CheckedContinuation<Void, Error>) {
        if let outcome, outcome.status.code != .ok {
            continuation.resume(throwing: RPCError(outcome.status.code, outcome.status.message))
        } else if outcome != nil {
            continuation.resume()
        } else {
            backpressure.wait(continuation, bufferedBytes: session.bufferedBytes(on: id), stream: "request")
        }
    }

    func didDrain() {
        backpressure.resume()
    }

    // MARK: Completion

    /// Ends the call locally with `error`, resetting the stream.
    func cancel(_ error: RPCError) {
        guard outcome == nil else { return }
        session.reset(id, errorCode: .cancel)
        connection.scheduleFlush()
        complete(error.status, error.metadata)
    }

    private func complete(_ status: RPCStatus, _ trailers: Metadata) {
        guard outcome == nil else { return }
        outcome = (status, trailers)
        deadlineTimer?.cancel()
        deadlineTimer = nil
        resumeInitialWaiters()
        resumeStartWaiters()
        resumeResponseWaiter()
        backpressure.resume(throwing: status.code == .ok ? nil : RPCError(status.code, status.message))
        let observers = outcomeObservers
        outcomeObservers.removeAll()
        for observer in observers { observer((status, trailers)) }
    }

    // MARK: Mapping

    private static func status(from headers: HTTP2HeaderBlock) -> RPCStatus {
        guard let value = headers["grpc-status"], let number = Int(value) else {
            return RPCStatus(.unknown, "the server sent no valid grpc-status")
        }
        return RPCStatus(RPCStatus.Code(wireValue: number), headers["grpc-message"].map(PercentEncoding.decode) ?? "")
    }

    /// gRPC's mapping of HTTP statuses for responses without grpc-status.
    private static func code(forHTTPStatus status: String) -> RPCStatus.Code {
        switch status {
        case "400": .internal
        case "401": .unauthenticated
        case "403": .permissionDenied
        case "404": .unimplemented
        case "429", "502", "503", "504": .unavailable
        default: .unknown
        }
    }
}
