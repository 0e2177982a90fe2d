import HTTP2
import NIOCore

/// One call's server-side state: request assembly, the handler task,
/// response sending and the final status. Confined to the connection's
/// event loop.
final class ServerStream {
    let id: Int32
    /// Strong: a handler still running after its connection closed keeps the
    /// connection's state alive until it finishes (the connection drops
    /// its streams when they close, so there is no cycle).
    let connection: ServerConnectionHandler
    /// For telling a client's cancellation from a rapid-reset attack.
    let createdAt = NIODeadline.now()
    let route: ServerRouter.Route
    let context: RPCServerContext
    let clientAcceptsGzip: Bool
    private var deframer: MessageDeframer

    // Requests.
    /// Received requests, still compressed: each is inflated only when the
    /// handler takes it, so queued gzip bombs never expand together.
    private var requests = CircularBuffer<MessageDeframer.Frame>()
    private var requestsEnded = false
    private var requestWaiter: CheckedContinuation<ServerCallHandle.RawMessage?, Error>?
    /// Held while the handler has not read the messages they carried.
    private var heldBytes = HeldBytes()

    // Responses.
    private var headersSent = false
    private(set) var statusSent = false
    private var backpressure = OutboundBackpressure()

    // Lifecycle.
    private(set) var isClosed = false
    /// Set while the handler runs.
    private var task: Task<Void, Never>?
    /// Why waiting operations fail once the call is over.
    private var terminalError: RPCError?
    private var deadlineTimer: Scheduled<Void>?

    init(id: Int32, connection: ServerConnectionHandler, route: ServerRouter.Route,
         context: RPCServerContext, requestEncoding: CompressionAlgorithm?, clientAcceptsGzip: Bool,
         maxReceiveMessageSize: Int) {
        self.id = id
        self.connection = connection
        self.route = route
        self.context = context
        self.clientAcceptsGzip = clientAcceptsGzip
        self.deframer = MessageDeframer(encoding: requestEncoding, maxMessageSize: maxReceiveMessageSize)
    }

    private var session: HTTP2Session { connection.session }

    // MARK: Start

    /// Arms the deadline, `timeLimit` from now (the clock was read for the
    /// context's deadline already), and, for streaming requests, starts the
    /// handler at once.
    func start(timeLimit: Duration?) {
        if let timeLimit {
            deadlineTimer = connection.eventLoop.assumeIsolated().scheduleTask(in: timeLimit.timeAmount) { [weak self] in
                self?.deadlineExpired()
            }
        }
        if route.handler.kind.isClientStreaming { startHandler(singleRequest: nil) }
    }

    private func startHandler(singleRequest: ServerCallHandle.RawMessage?) {
        guard !statusSent, !isClosed else { return }
        connection.handlerStarted()
        let handle = ServerCallHandle(
            stream: NIOLoopBound(self, eventLoop: connection.eventLoop),
            context: context,
            singleRequest: singleRequest,
            limits: connection.decodingLimits,
            maxSendMessageSize: connection.configuration.maxSendMessageSize,
            clientAcceptsGzip: clientAcceptsGzip)
        let run = route.handler.run
        let interceptors = connection.interceptors
        let context = context
        task = Task(executorPreference: connection.taskExecutor) {
            let outcome: Result<Void, any Error>
            do {
                try await RPCDeadline.$current.withValue(context.deadline) {
                    try await interceptors.run(context: context) { try await run(handle) }
                }
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            if handle.stream.eventLoop.inEventLoop {
                handle.stream.value.handlerFinished(outcome)
            } else {
                handle.stream.eventLoop.execute { handle.stream.value.handlerFinished(outcome) }
            }
        }
    }

    private func handlerFinished(_ outcome: Result<Void, any Error>) {
        task = nil
        connection.handlerFinished()
        guard !statusSent, !isClosed else { return }
        switch outcome {
        case .success:
            sendStatus(.ok, metadata: context.trailingMetadata)
        case let .failure(error):
            let status = RPCStatus(error: error)
            if status.code == .internal, !(error is RPCError) {
                context.logger.error("handler failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            var metadata = context.trailingMetadata
            if let error = error as? RPCError { metadata.merge(error.metadata) }
            sendStatus(status, metadata: metadata)
        }
    }

    // MARK: Requests

    func receive(_ data: ByteBuffer, endsStream: Bool) {
        heldBytes.hold(data.readableBytes)
        guard !statusSent else {
            // The call is over; keep the connection's window open.
            returnUnconsumedBytes()
            return
        }
        if data.readableBytes > 0 {
            deframer.append(data)
            do {
                while let frame = try deframer.next() { requests.append(frame) }
            } catch {
                fail(error)
                return
            }
        }
        let isStreaming = route.handler.kind.isClientStreaming
        if !isStreaming, requests.count > 1 || (requests.count == 1 && deframer.hasPartialMessage) {
            // Refused at the first byte of a second message, before buffering it.
            fail(RPCError(.internal, "received more than one request message for a \(route.handler.kind) call"))
            return
        }
        if endsStream {
            if deframer.hasPartialMessage {
                fail(RPCError(.internal, "the request stream ended inside a message (truncated message)"))
                return
            }
            requestsEnded = true
        }
        if isStreaming {
            // Keep reading while the handler keeps up; otherwise let flow
            // control hold the client back until it reads.
            if requests.count <= 1 { returnUnconsumedBytes() }
            resumeRequestWaiter()
        } else {
            returnUnconsumedBytes()
            guard requestsEnded else { return }
            guard let frame = requests.popFirst() else {
                fail(RPCError(.internal, "the request stream ended without a request message"))
                return
            }
            do {
                startHandler(singleRequest: (try deframer.inflate(frame), frame.compressed))
            } catch {
                fail(error)
            }
        }
    }

    private func returnUnconsumedBytes() {
        if heldBytes.release(to: session, on: id) { connection.scheduleFlush() }
    }

    /// The next request if one is ready (or the end, as `.some(nil)`); nil
    /// when the caller must wait.
    func takeRequest() throws -> ServerCallHandle.RawMessage?? {
        if let frame = requests.popFirst() {
            if requests.isEmpty { returnUnconsumedBytes() }
            do {
                return .some((try deframer.inflate(frame), frame.compressed))
            } catch {
                fail(error)
                throw error
            }
        }
        if let terminalError { throw terminalError }
        if requestsEnded { return .some(nil) }
        return nil
    }

    func waitForRequest(_ continuation: CheckedContinuation<ServerCallHandle.RawMessage?, Error>) {
        do {
            if let ready = try takeRequest() {
                continuation.resume(returning: ready)
            } else if requestWaiter != nil {
                continuation.resume(throwing: RPCError(.internal, "the request stream was read by two tasks at once"))
            } else {
                requestWaiter = continuation
            }
        } catch {
            continuation.resume(throwing: error)
        }
    }

    private func resumeRequestWaiter() {
        guard let waiter = requestWaiter else { return }
        do {
            guard let ready = try takeRequest() else { return }
            requestWaiter = nil
            waiter.resume(returning: ready)
        } catch {
            requestWaiter = nil
            waiter.resume(throwing: error)
        }
    }

    // MARK: Responses

    /// Queues a framed response; false when the writer should wait for the
    /// client to read before sending more.
    func write(_ framed: ByteBuffer) throws -> Bool {
        if let terminalError { throw terminalError }
        guard !statusSent, !isClosed else { throw RPCError(.cancelled, "the call has already completed") }
        if !headersSent {
            try sendHeaders()
        }
        session.send(framed, on: id)
        connection.scheduleFlush()
        return OutboundBackpressure.hasRoom(session.bufferedBytes(on: id))
    }

    /// Sends the response headers now unless they went out already.
    func sendHeadersIfNeeded() throws {
        if let terminalError { throw terminalError }
        guard !headersSent, !statusSent, !isClosed else { return }
        try sendHeaders()
        connection.scheduleFlush()
    }

    func waitForDrain(_ continuation: CheckedContinuation<Void, Error>) {
        if let terminalError {
            continuation.resume(throwing: terminalError)
        } else {
            backpressure.wait(continuation, bufferedBytes: session.bufferedBytes(on: id), stream: "response")
        }
    }

    func didDrain() {
        backpressure.resume()
    }

    private func sendHeaders() throws {
        headersSent = true
        let base = clientAcceptsGzip ? connection.gzipResponseHeaders : connection.baseResponseHeaders
        do {
            try session.submitResponse(on: id, headers: withInitialMetadata(base), endStream: false)
        } catch {
            throw RPCError(.internal, "failed to send response headers: \(error)")
        }
    }

    /// `base` followed by the handler's initial metadata.
    private func withInitialMetadata(_ base: [HTTP2Header]) -> [HTTP2Header] {
        var headers = base
        for (name, value) in context.initialMetadata.headerFields { headers.append(HTTP2Header(name, value)) }
        return headers
    }

    // MARK: Completion

    /// Ends the call with `error`'s status now, cancelling the handler.
    private func fail(_ error: RPCError) {
        returnUnconsumedBytes()
        sendStatus(error.status, metadata: error.metadata)
        cancel(with: error)
    }

    private func deadlineExpired() {
        deadlineTimer = nil
        guard !statusSent, !isClosed else { return }
        fail(RPCError(.deadlineExceeded, "the deadline of \(context.path) expired"))
    }

    /// Sends the status: as trailers after a response, or as a trailers-only
    /// response when nothing was sent yet.
    func sendStatus(_ status: RPCStatus, metadata: Metadata) {
        guard !statusSent, !isClosed else { return }
        statusSent = true
        deadlineTimer?.cancel()
        deadlineTimer = nil
        // Nothing queued will be read now: free it and reopen the window.
        requests.removeAll()
        deframer.discard()
        returnUnconsumedBytes()
        let fields = ServerConnectionHandler.statusFields(status, metadata: metadata)
        if headersSent {
            session.finish(id, trailers: fields)
        } else {
            do {
                try session.submitResponse(on: id, headers: withInitialMetadata(connection.baseResponseHeaders) + fields,
                                           endStream: true)
            } catch {
                session.reset(id, errorCode: .internalError)
            }
        }
        connection.scheduleFlush()
    }

    /// The HTTP/2 stream closed: by reset, or after both sides finished.
    func closed(errorCode: HTTP2ErrorCode) {
        isClosed = true
        deadlineTimer?.cancel()
        deadlineTimer = nil
        // Bytes of a closed stream still count against the connection window.
        returnUnconsumedBytes()
        if task != nil {
            cancel(with: statusSent
                   ? RPCError(.cancelled, "the call has already completed")
                   : RPCError(.cancelled, "the client cancelled the call"))
        }
    }

    /// Fails anything waiting and cancels the handler task.
    func cancel(with error: RPCError) {
        terminalError = terminalError ?? error
        task?.cancel()
        cancelWaiters(error)
    }

    func cancelWaiters(_ error: RPCError) {
        requestWaiter?.resume(throwing: terminalError ?? error)
        requestWaiter = nil
        backpressure.resume(throwing: terminalError ?? error)
    }
}
