import HTTP2
import Logging
import NIOCore

/// The client end of one HTTP/2 connection: owns its nghttp2 session and
/// the streams of the calls running on it.
final class ClientConnectionHandler: ChannelInboundHandler, HTTP2SessionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let eventLoop: any EventLoop
    private let settings: HTTP2Settings
    private let peer: String
    private let maxReceiveMessageSize: Int
    private let events: ClientConnection.Events
    private(set) var session: HTTP2Session!
    private var context: ChannelHandlerContext?
    private var streams: [Int32: ClientStream] = [:]
    private var flushes = FlushCoalescer()
    /// Set once the server sent GOAWAY or the connection failed: no new streams.
    private var refusal: RPCError?
    private var keepaliveTimer: RepeatedTask?
    private var keepaliveTimeout: Scheduled<Void>?
    private let keepalive: (interval: Duration, timeout: Duration)?
    private static let keepalivePayload: UInt64 = 0x636c_6965_6e74_6b61

    init(eventLoop: any EventLoop, settings: HTTP2Settings, peer: String, maxReceiveMessageSize: Int,
         keepalive: (interval: Duration, timeout: Duration)?, events: ClientConnection.Events) {
        self.eventLoop = eventLoop
        self.settings = settings
        self.peer = peer
        self.maxReceiveMessageSize = maxReceiveMessageSize
        self.keepalive = keepalive
        self.events = events
    }

    // MARK: Streams

    /// The call was refused before any of it was processed: the connection
    /// no longer opens streams (GOAWAY, failure), or the server refused the
    /// stream. It may go elsewhere.
    struct Refused: Error {
        let error: RPCError
    }

    /// Opens a stream with `headers` and queues `message` on it; with
    /// `endStream`, the request side ends there.
    func startStream(headers: [HTTP2Header], message: ByteBuffer?, endStream: Bool,
                     deadline: ContinuousClock.Instant?) throws -> ClientStream {
        if let refusal { throw Refused(error: refusal) }
        let id: Int32
        do {
            id = try session.submitRequest(headers: headers)
        } catch {
            throw RPCError(.unavailable, "cannot open a stream to \(peer): \(error)")
        }
        let stream = ClientStream(id: id, connection: self, maxReceiveMessageSize: maxReceiveMessageSize, isReplayable: endStream)
        streams[id] = stream
        if let deadline { stream.armDeadline(deadline) }
        if let message { session.send(message, on: id) }
        if endStream { stream.finishRequests() }
        scheduleFlush()
        return stream
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        do {
            session = try HTTP2Session(role: .client, settings: settings, delegate: self)
        } catch {
            context.close(promise: nil)
            return
        }
        if context.channel.isActive { started() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The context holds this handler; letting go breaks the cycle.
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        started()
        context.fireChannelActive()
    }

    private func started() {
        flushOutput()
        guard keepaliveTimer == nil, let keepalive else { return }
        keepaliveTimer = eventLoop.scheduleRepeatedTask(initialDelay: keepalive.interval.timeAmount,
                                                        delay: keepalive.interval.timeAmount) { [loopBound = NIOLoopBound(self, eventLoop: eventLoop)] _ in
            loopBound.value.sendKeepalive()
        }
    }

    private func sendKeepalive() {
        guard keepaliveTimeout == nil, let keepalive, refusal == nil else { return }
        session.submitPing(payload: Self.keepalivePayload)
        scheduleFlush()
        keepaliveTimeout = eventLoop.assumeIsolated().scheduleTask(in: keepalive.timeout.timeAmount) { [self] in
            fail(RPCError(.unavailable, "connection to \(peer) stopped answering keepalive pings"))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        flushes.readStarted()
        do {
            try session.receive(unwrapInboundIn(data))
        } catch {
            fail(RPCError(.unavailable, "HTTP/2 protocol error on the connection to \(peer): \(error)"))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushes.readEnded()
        flushOutput()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepaliveTimer?.cancel()
        keepaliveTimeout?.cancel()
        let reason = refusal?.message ?? "the connection to \(peer) closed"
        refusal = refusal ?? RPCError(.unavailable, reason)
        let open = streams.values
        streams.removeAll()
        for stream in open { stream.closed(errorCode: .cancel, connectionLost: reason) }
        events.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(RPCError(.unavailable, "connection to \(peer) failed: \(error)"))
    }

    private func fail(_ error: RPCError) {
        refusal = refusal ?? error
        events.closed()
        // nghttp2 may have queued a GOAWAY saying why; send it, then close.
        var buffer = ByteBuffer()
        try? session?.flush(into: &buffer)
        context?.writeFrames(buffer, thenClose: true)
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

    /// Moves what nghttp2 has ready to the socket while the socket takes it;
    /// otherwise frames (and the writers' backpressure) wait in nghttp2.
    private func flushOutput() {
        guard let context, let session, context.channel.isWritable || refusal != nil else { return }
        var buffer = context.channel.allocator.buffer(capacity: 0)
        do {
            try session.flush(into: &buffer)
        } catch {
            fail(RPCError(.unavailable, "HTTP/2 error on the connection to \(peer): \(error)"))
            return
        }
        // After GOAWAY with nothing left in flight, close once the last frames are out.
        context.writeFrames(buffer, thenClose: refusal != nil && streams.isEmpty && !session.isActive)
    }

    // MARK: Session events

    func session(_ session: HTTP2Session, didReceive headers: HTTP2HeaderBlock, on id: Int32) {
        streams[id]?.received(headers)
    }

    func session(_ session: HTTP2Session, didReceiveData data: ByteBuffer, on id: Int32, endsStream: Bool) {
        if let stream = streams[id] {
            stream.received(data, endsStream: endsStream)
        } else {
            session.consume(data.readableBytes, on: id)
        }
    }

    func session(_ session: HTTP2Session, streamDidClose id: Int32, errorCode: HTTP2ErrorCode) {
        streams.removeValue(forKey: id)?.closed(errorCode: errorCode, connectionLost: nil)
        if refusal != nil, streams.isEmpty {
            // Drained after GOAWAY: say goodbye; the flush closes once it is written.
            session.submitGoAway(errorCode: .noError)
            scheduleFlush()
        }
    }

    func session(_ session: HTTP2Session, didReceiveReset id: Int32, errorCode: HTTP2ErrorCode) {}

    func session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode) {
        // Streams above lastStreamID are closed by nghttp2 with REFUSED_STREAM
        // (unary calls, and server-streaming ones not yet answered, are then
        // retried on another connection); new calls go to a new connection.
        refusal = refusal ?? RPCError(.unavailable, "the server at \(peer) is going away (\(errorCode))")
        events.goingAway()
        scheduleFlush()
    }

    func session(_ session: HTTP2Session, didReceivePing payload: UInt64, isAck: Bool) {
        if isAck, payload == Self.keepalivePayload {
            keepaliveTimeout?.cancel()
            keepaliveTimeout = nil
        }
    }

    func sessionDidReceiveSettings(_ session: HTTP2Session) {
        events.established()
    }

    func session(_ session: HTTP2Session, didDrainOutboundDataOn id: Int32) {
        streams[id]?.didDrain()
    }

    func session(_ session: HTTP2Session, didSendEndStreamOn id: Int32) {}
}
