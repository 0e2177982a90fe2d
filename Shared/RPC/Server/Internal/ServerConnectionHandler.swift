import HTTP2
import Logging
import NIOCore
import Protobuf

/// Serves gRPC on one accepted connection: owns its nghttp2 session and its
/// streams, and enforces the connection's limits (handler cap, rapid-reset
/// defence, idle timeout, keepalive, maximum age, graceful drain).
final class ServerConnectionHandler: ChannelInboundHandler, HTTP2SessionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase { case active, draining, closing }

    let configuration: RPCServer.Configuration
    let eventLoop: any EventLoop
    let taskExecutor: (any TaskExecutor)?
    let decodingLimits: DecodingLimits
    private let router: ServerRouter
    private let logger: Logger
    private(set) var session: HTTP2Session!
    private var context: ChannelHandlerContext?
    private var streams: [Int32: ServerStream] = [:]
    private var runningHandlers = 0
    private var phase = Phase.active
    private var flushes = FlushCoalescer()
    private var resets: TokenBucket
    private var peer = "unknown"

    private var idleTimer: Scheduled<Void>?
    /// When the connection last became idle; nil while it has streams. The
    /// idle timer is not cancelled and scheduled again for every call: when
    /// it fires it closes the connection, or waits for this moment's timeout.
    private var idleSince: NIODeadline?
    private var keepaliveTimer: RepeatedTask?
    private var keepaliveTimeout: Scheduled<Void>?
    private var ageTimer: Scheduled<Void>?
    private var drainTimer: Scheduled<Void>?
    private static let keepalivePayload: UInt64 = 0x6b65_6570_616c_6976
    /// Streams reset younger than this count against the rapid-reset limit.
    private static let rapidResetAge = TimeAmount.milliseconds(100)
    private static let shutdownPayload: UInt64 = 0x7368_7574_646f_776e

    /// Headers every response starts with (and `server` when configured).
    let baseResponseHeaders: [HTTP2Header]
    /// The same, for clients that accept gzip: each message's flag says
    /// whether it is compressed, so advertising gzip lets any of them be.
    let gzipResponseHeaders: [HTTP2Header]
    /// The trailers of most successful calls.
    private static let okTrailers = [HTTP2Header("grpc-status", "0")]

    /// `status` as header fields (the message only when there is one),
    /// followed by `metadata`.
    static func statusFields(_ status: RPCStatus, metadata: Metadata) -> [HTTP2Header] {
        if status.code == .ok, status.message.isEmpty, metadata.isEmpty { return okTrailers }
        var fields = [HTTP2Header("grpc-status", String(status.code.rawValue))]
        if !status.message.isEmpty {
            fields.append(HTTP2Header("grpc-message", PercentEncoding.encode(status.message)))
        }
        for (name, value) in metadata.headerFields { fields.append(HTTP2Header(name, value)) }
        return fields
    }

    var interceptors: [any RPCServerInterceptor] { router.interceptors }

    init(configuration: RPCServer.Configuration, router: ServerRouter, eventLoop: any EventLoop,
         taskExecutor: (any TaskExecutor)?, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.eventLoop = eventLoop
        self.taskExecutor = taskExecutor
        self.logger = logger
        self.decodingLimits = DecodingLimits(maxMessageSize: configuration.maxReceiveMessageSize)
        var headers = [
            HTTP2Header(":status", "200"),
            HTTP2Header("content-type", "application/grpc"),
            HTTP2Header("grpc-accept-encoding", CompressionAlgorithm.acceptEncodingHeader),
        ]
        if let serverName = configuration.serverName { headers.append(HTTP2Header("server", serverName)) }
        self.baseResponseHeaders = headers
        self.gzipResponseHeaders = headers + [HTTP2Header("grpc-encoding", "gzip")]
        self.resets = TokenBucket(capacity: configuration.rapidResetLimit.burst,
                                  refillPerSecond: configuration.rapidResetLimit.perSecond)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        do {
            session = try HTTP2Session(role: .server, settings: configuration.http2, delegate: self)
        } catch {
            logger.error("cannot create an HTTP/2 session", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        if context.channel.isActive { connectionStarted(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The context holds this handler; letting go breaks the cycle.
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        connectionStarted(context: context)
        context.fireChannelActive()
    }

    private func connectionStarted(context: ChannelHandlerContext) {
        guard idleTimer == nil, keepaliveTimer == nil else { return }
        peer = Self.describe(context.channel.remoteAddress)
        flushOutput()
        armIdleTimer()
        let isolated = eventLoop.assumeIsolated()
        if let interval = configuration.keepaliveInterval {
            keepaliveTimer = eventLoop.scheduleRepeatedTask(initialDelay: interval.timeAmount, delay: interval.timeAmount) { [loopBound = NIOLoopBound(self, eventLoop: eventLoop)] _ in
                loopBound.value.sendKeepalive()
            }
        }
        if let age = configuration.maxConnectionAge {
            // ±10% jitter, so connections made together do not all cycle together.
            let jittered = Double(age.nanoseconds) * Double.random(in: 0.9...1.1)
            ageTimer = isolated.scheduleTask(in: .nanoseconds(Int64(jittered))) { [self] in
                logger.debug("connection reached its maximum age", metadata: ["peer": "\(peer)"])
                beginDrain(timeout: configuration.maxConnectionAgeGrace)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase != .closing else { return }
        flushes.readStarted()
        do {
            try session.receive(unwrapInboundIn(data))
        } catch {
            logger.debug("closing connection after a protocol error", metadata: ["peer": "\(peer)", "error": "\(error)"])
            closeConnection()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushes.readEnded()
        flushOutput()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closing
        for timer in [idleTimer, keepaliveTimeout, ageTimer, drainTimer] { timer?.cancel() }
        keepaliveTimer?.cancel()
        let open = streams.values
        streams.removeAll()
        for stream in open { stream.closed(errorCode: .cancel) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Output

    /// Sends what nghttp2 has ready once the current burst of work is done.
    func scheduleFlush() {
        guard flushes.request() else { return }
        eventLoop.assumeIsolated().execute { [self] in
            if flushes.take() { flushOutput() }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flushOutput() }
        context.fireChannelWritabilityChanged()
    }

    /// Moves what nghttp2 has ready to the socket, while the socket takes it:
    /// otherwise frames wait inside nghttp2, where its flood detection
    /// (and the writers' backpressure) can see them.
    private func flushOutput() {
        guard let context, let session, context.channel.isWritable || phase == .closing else { return }
        var buffer = context.channel.allocator.buffer(capacity: 0)
        do {
            try session.flush(into: &buffer)
        } catch {
            logger.debug("closing connection after a send error", metadata: ["peer": "\(peer)", "error": "\(error)"])
            context.close(promise: nil)
            return
        }
        context.writeFrames(buffer, thenClose: !session.isActive || phase == .closing)
    }

    /// Closes once pending frames are written. Only requests it: this runs
    /// inside nghttp2 callbacks, some during a flush whose frames (a last
    /// response) must reach the socket first.
    private func closeConnection() {
        phase = .closing
        scheduleFlush()
    }

    // MARK: Requests

    func session(_ session: HTTP2Session, didReceive headers: HTTP2HeaderBlock, on id: Int32) {
        switch headers.kind {
        case .request:
            acceptRequest(headers, on: id)
        case .trailers:
            // gRPC clients send no trailers; treat one as the end of the request.
            streams[id]?.receive(ByteBuffer(), endsStream: headers.endsStream)
        case .response, .informational:
            session.reset(id, errorCode: .protocolError)
        }
    }

    private func acceptRequest(_ headers: HTTP2HeaderBlock, on id: Int32) {
        idleSince = nil
        if runningHandlers >= configuration.maxConcurrentHandlersPerConnection {
            // Handlers of reset streams still count: a client cannot pile up
            // work by opening and cancelling streams. REFUSED_STREAM is safe to retry.
            logger.debug("refused a stream over the handler limit", metadata: [
                "peer": "\(peer)", "limit": "\(configuration.maxConcurrentHandlersPerConnection)"])
            session.reset(id, errorCode: .refusedStream)
            return
        }
        if headers.exceededLimit {
            respond(to: id, with: RPCError(.resourceExhausted,
                "request headers of \(headers.size) bytes exceed the limit of \(configuration.http2.maxHeaderListSize) bytes"))
            return
        }
        var method = "", path = "", contentType = "", timeout: String?, encoding: String?, acceptEncoding: String?
        var custom: [(name: String, value: String)] = []
        for field in headers.fields {
            switch field.name {
            case ":method": method = field.value
            case ":path": path = field.value
            case "content-type": contentType = field.value
            case "grpc-timeout": timeout = field.value
            case "grpc-encoding": encoding = field.value
            case "grpc-accept-encoding": acceptEncoding = field.value
            default: custom.append((field.name, field.value))
            }
        }
        guard method == "POST" else {
            respondHTTP(to: id, status: "405", message: "gRPC requires POST, not \(method)")
            return
        }
        guard Self.isGRPCContentType(contentType) else {
            respondHTTP(to: id, status: "415", message: "unsupported content-type '\(contentType)'; gRPC requires application/grpc")
            return
        }
        let route: ServerRouter.Route
        switch router.route(path) {
        case let .success(found): route = found
        case let .failure(error):
            respond(to: id, with: error)
            return
        }
        var timeLimit: Duration?
        if let timeout {
            guard let duration = GRPCTimeout.parse(timeout) else {
                respond(to: id, with: RPCError(.internal, "malformed grpc-timeout '\(timeout)'"))
                return
            }
            timeLimit = duration
        }
        var requestEncoding: CompressionAlgorithm?
        if let encoding {
            guard let algorithm = CompressionAlgorithm(rawValue: encoding) else {
                respond(to: id, with: RPCError(.unimplemented, "grpc-encoding '\(encoding)' is not supported; use gzip or identity"))
                return
            }
            requestEncoding = algorithm
        }
        let context = RPCServerContext(
            path: path, service: route.service, method: route.method, kind: route.handler.kind,
            idempotency: route.handler.idempotency,
            metadata: Metadata(headerFields: custom), peer: peer, deadline: timeLimit.map { .now + $0 }, logger: logger)
        let stream = ServerStream(
            id: id, connection: self, route: route, context: context, requestEncoding: requestEncoding,
            clientAcceptsGzip: CompressionAlgorithm.isGzipAccepted(by: acceptEncoding),
            maxReceiveMessageSize: configuration.maxReceiveMessageSize)
        streams[id] = stream
        stream.start(timeLimit: timeLimit)
        if headers.endsStream { stream.receive(ByteBuffer(), endsStream: true) }
    }

    /// `application/grpc`, `application/grpc+proto`, optionally with parameters.
    private static func isGRPCContentType(_ value: String) -> Bool {
        guard value.hasPrefix("application/grpc") else { return false }
        let rest = value.dropFirst("application/grpc".count)
        return rest.isEmpty || rest.hasPrefix("+proto") || rest.hasPrefix(";")
    }

    /// A trailers-only response for a call rejected before it started.
    private func respond(to id: Int32, with error: RPCError) {
        submitFinalResponse(baseResponseHeaders + Self.statusFields(error.status, metadata: error.metadata), on: id)
    }

    /// A non-200 response for requests that are not gRPC at all.
    private func respondHTTP(to id: Int32, status: String, message: String) {
        submitFinalResponse([HTTP2Header(":status", status), HTTP2Header("content-type", "application/grpc")]
                            + Self.statusFields(RPCStatus(.internal, message), metadata: Metadata()), on: id)
    }

    private func submitFinalResponse(_ headers: [HTTP2Header], on id: Int32) {
        do {
            try session.submitResponse(on: id, headers: headers, endStream: true)
        } catch {
            session.reset(id, errorCode: .internalError)
        }
        scheduleFlush()
        armIdleTimer()
    }

    func session(_ session: HTTP2Session, didReceiveData data: ByteBuffer, on id: Int32, endsStream: Bool) {
        if let stream = streams[id] {
            stream.receive(data, endsStream: endsStream)
        } else {
            // A stream answered early or reset: its bytes still hold the window.
            session.consume(data.readableBytes, on: id)
        }
    }

    func session(_ session: HTTP2Session, streamDidClose id: Int32, errorCode: HTTP2ErrorCode) {
        streams.removeValue(forKey: id)?.closed(errorCode: errorCode)
        connectionBecameQuieter()
    }

    func session(_ session: HTTP2Session, didReceiveReset id: Int32, errorCode: HTTP2ErrorCode) {
        guard phase != .closing else { return }
        // Count what rapid reset looks like: streams cancelled almost as soon
        // as opened. A client giving up on a slow call (a deadline) is not
        // one, nor is one ending a stream this side has already answered.
        guard let stream = streams[id], NIODeadline.now() - stream.createdAt <= Self.rapidResetAge else { return }
        guard resets.take() else {
            logger.warning("too many stream resets; closing the connection (rapid reset defence)", metadata: ["peer": "\(peer)"])
            session.submitGoAway(errorCode: .enhanceYourCalm, debugData: "too many stream resets")
            phase = .closing
            for stream in streams.values { stream.cancel(with: RPCError(.unavailable, "the connection was closed")) }
            scheduleFlush()
            return
        }
    }

    func session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {}

    func session(_ session: HTTP2Session, didReceivePing payload: UInt64, isAck: Bool) {
        guard isAck else { return }
        if payload == Self.keepalivePayload {
            keepaliveTimeout?.cancel()
            keepaliveTimeout = nil
        } else if payload == Self.shutdownPayload, phase == .draining {
            sendFinalGoAway()
        }
    }

    func sessionDidReceiveSettings(_ session: HTTP2Session) {}

    func session(_ session: HTTP2Session, didDrainOutboundDataOn id: Int32) {
        streams[id]?.didDrain()
    }

    func session(_ session: HTTP2Session, didSendEndStreamOn id: Int32) {
        // The response is complete but the client is still sending: tell it
        // to stop (RFC 9113 §8.1), which also frees the stream on both sides.
        if !session.isRemoteClosed(id) { session.reset(id, errorCode: .noError) }
    }

    // MARK: Handler accounting

    func handlerStarted() {
        runningHandlers += 1
    }

    func handlerFinished() {
        runningHandlers -= 1
        connectionBecameQuieter()
    }

    private func connectionBecameQuieter() {
        guard streams.isEmpty, runningHandlers == 0 else { return }
        if phase == .draining {
            // The final GOAWAY tells the client which streams were handled.
            sendFinalGoAway()
            closeConnection()
        } else {
            armIdleTimer()
        }
    }

    // MARK: Timers and shutdown

    private func armIdleTimer() {
        guard let timeout = configuration.connectionIdleTimeout?.timeAmount, streams.isEmpty, phase == .active else { return }
        let now = NIODeadline.now()
        idleSince = now
        if idleTimer == nil { scheduleIdleCheck(at: now + timeout, timeout: timeout) }
    }

    private func scheduleIdleCheck(at deadline: NIODeadline, timeout: TimeAmount) {
        idleTimer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            idleTimer = nil
            // Calls came and went since the timer was set: wait for the latest idle spell's end.
            guard let idleSince, streams.isEmpty, runningHandlers == 0, phase == .active else { return }
            guard idleSince + timeout <= .now() else { return scheduleIdleCheck(at: idleSince + timeout, timeout: timeout) }
            logger.debug("closing idle connection", metadata: ["peer": "\(peer)"])
            session.submitGoAway(errorCode: .noError, debugData: "idle timeout")
            closeConnection()
        }
    }

    private func sendKeepalive() {
        guard keepaliveTimeout == nil, phase != .closing else { return }
        session.submitPing(payload: Self.keepalivePayload)
        scheduleFlush()
        keepaliveTimeout = eventLoop.assumeIsolated().scheduleTask(in: configuration.keepaliveTimeout.timeAmount) { [self] in
            logger.info("closing connection: keepalive ping not acknowledged", metadata: ["peer": "\(peer)"])
            session.submitGoAway(errorCode: .noError, debugData: "keepalive timeout")
            closeConnection()
        }
    }

    /// Graceful shutdown: announce it (GOAWAY with the maximum stream id),
    /// wait a round trip (PING) for requests already in flight, then send the
    /// final GOAWAY. Calls in progress get `timeout` to finish.
    func beginDrain(timeout: Duration) {
        guard phase == .active else { return }
        phase = .draining
        idleTimer?.cancel()
        session.submitShutdownNotice()
        session.submitPing(payload: Self.shutdownPayload)
        scheduleFlush()
        drainTimer = eventLoop.assumeIsolated().scheduleTask(in: timeout.timeAmount) { [self] in
            for stream in streams.values {
                stream.sendStatus(RPCStatus(.unavailable, "the server is shutting down"), metadata: Metadata())
                stream.cancel(with: RPCError(.unavailable, "the server is shutting down"))
            }
            sendFinalGoAway()
            closeConnection()
        }
        connectionBecameQuieter()
    }

    private func sendFinalGoAway() {
        session.submitGoAway(errorCode: .noError, debugData: "server shutting down")
        scheduleFlush()
    }

    private static func describe(_ address: SocketAddress?) -> String {
        switch address {
        case let .v4(inner)?: return "ipv4:\(address?.ipAddress ?? inner.host):\(address?.port ?? 0)"
        case .v6?: return "ipv6:[\(address?.ipAddress ?? "")]:\(address?.port ?? 0)"
        case let .unixDomainSocket(inner)?: return "unix:\(inner)"
        case nil: return "unknown"
        }
    }
}

extension Duration {
    /// The duration as a NIO `TimeAmount`.
    var timeAmount: TimeAmount { .nanoseconds(nanoseconds) }
}
