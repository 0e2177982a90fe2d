import CNghttp2
import NIOCore

/// One HTTP/2 connection's protocol state, driven by nghttp2.
///
/// The owner feeds received bytes to ``receive(_:)``, writes out what
/// ``flush(into:)`` produces, and reacts to its ``HTTP2SessionDelegate``.
/// Body data is queued per stream with ``send(_:on:)`` and handed to nghttp2
/// as flow control allows (nghttp2's deferred data); the queue owns the
/// bytes, so callers never deal with nghttp2's buffers.
///
/// A session is not thread-safe: one event loop owns it.
public final class HTTP2Session {
    public enum Role: Sendable { case client, server }

    public let settings: HTTP2Settings
    private unowned let delegate: any HTTP2SessionDelegate
    private var session: OpaquePointer?
    /// The header block being received. One slot is enough: a block's
    /// CONTINUATION frames follow its HEADERS with no other frame between
    /// them on the connection (RFC 9113 §4.3).
    private var pendingHeaders: PendingHeaderBlock?
    private var outbound: [Int32: OutboundQueue] = [:]
    /// The buffer `receive` is parsing, so DATA payloads can be sliced from it
    /// instead of copied.
    private var input: (buffer: ByteBuffer, base: UnsafeRawPointer)?

    /// Creates a session and queues the initial SETTINGS.
    public init(role: Role, settings: HTTP2Settings, delegate: any HTTP2SessionDelegate) throws {
        self.settings = settings
        self.delegate = delegate

        var callbacks: OpaquePointer?
        try check(nghttp2_session_callbacks_new(&callbacks), "creating callbacks")
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.install(callbacks)

        var option: OpaquePointer?
        try check(nghttp2_option_new(&option), "creating options")
        defer { nghttp2_option_del(option) }
        // Window updates follow what the application consumed, which is how
        // a slow reader pushes back on its peer.
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_peer_max_concurrent_streams(option, 100)

        let userData = Unmanaged.passUnretained(self).toOpaque()
        var created: OpaquePointer?
        switch role {
        case .server: try check(nghttp2_session_server_new2(&created, callbacks, userData, option), "creating server session")
        case .client: try check(nghttp2_session_client_new2(&created, callbacks, userData, option), "creating client session")
        }
        session = created

        var entries = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: UInt32(settings.maxConcurrentStreams)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: UInt32(settings.initialStreamWindowSize)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_FRAME_SIZE.rawValue), value: UInt32(settings.maxFrameSize)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: UInt32(settings.maxHeaderListSize)),
        ]
        if role == .client {
            entries.append(nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0))
        }
        try check(nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), entries, entries.count), "submitting settings")
        try check(nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, Int32(settings.connectionWindowSize)),
                  "setting the connection window")
    }

    deinit {
        nghttp2_session_del(session)
    }

    // MARK: Input and output

    /// Parses received bytes, calling the delegate for each event. A thrown
    /// error is fatal to the connection: flush what is queued (nghttp2 may
    /// have queued a GOAWAY) and close.
    public func receive(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            input = (buffer, base)
            defer { input = nil }
            let result = nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
            if result < 0 { throw HTTP2Error(result, "receiving") }
        }
    }

    /// Appends every frame nghttp2 has ready to `buffer`.
    public func flush(into buffer: inout ByteBuffer) throws {
        while true {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            if count < 0 { throw HTTP2Error(count, "sending") }
            guard count > 0, let data else { return }
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
        }
    }

    /// Whether the session still expects to read or write: when both are
    /// false (after GOAWAY, with no open streams) the connection can close.
    public var isActive: Bool {
        nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
    }

    // MARK: Streams

    /// Server: sends response headers. With `endStream`, the response is
    /// complete (a trailers-only response); otherwise body data follows
    /// through ``send(_:on:)`` and ``finish(_:trailers:)``.
    public func submitResponse(on stream: Int32, headers: [HTTP2Header], endStream: Bool) throws {
        try withNameValues(headers) { nva, count in
            if endStream {
                try check(nghttp2_submit_response(session, stream, nva, count, nil), "submitting response")
            } else {
                var provider = Self.dataProvider
                try check(nghttp2_submit_response(session, stream, nva, count, &provider), "submitting response")
                outbound[stream] = OutboundQueue()
            }
        }
    }

    /// Client: opens a stream with request headers; its body follows through
    /// ``send(_:on:)`` and ``finish(_:trailers:)``. Returns the stream id.
    public func submitRequest(headers: [HTTP2Header]) throws -> Int32 {
        try withNameValues(headers) { nva, count in
            var provider = Self.dataProvider
            let stream = nghttp2_submit_request(session, nil, nva, count, &provider, nil)
            try check(stream, "submitting request")
            outbound[stream] = OutboundQueue()
            return stream
        }
    }

    /// Queues body bytes on `stream`. They leave as flow control allows.
    public func send(_ data: ByteBuffer, on stream: Int32) {
        // Optional chaining mutates the queue in place, with one lookup.
        guard data.readableBytes > 0, outbound[stream]?.append(data) == true else { return }
        nghttp2_session_resume_data(session, stream)
    }

    /// Ends `stream`'s body once queued data is sent, with trailers if given.
    public func finish(_ stream: Int32, trailers: [HTTP2Header]?) {
        guard outbound[stream]?.finish(trailers: trailers) == true else { return }
        nghttp2_session_resume_data(session, stream)
    }

    /// Bytes queued on `stream` that nghttp2 has not taken yet.
    public func bufferedBytes(on stream: Int32) -> Int {
        outbound[stream]?.bufferedBytes ?? 0
    }

    /// Resets `stream` with RST_STREAM.
    public func reset(_ stream: Int32, errorCode: HTTP2ErrorCode) {
        outbound[stream] = nil
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream, errorCode.rawValue)
    }

    /// Returns `count` received bytes on `stream` to the flow-control windows
    /// (the stream's and the connection's), letting the peer send more.
    public func consume(_ count: Int, on stream: Int32) {
        guard count > 0 else { return }
        nghttp2_session_consume(session, stream, count)
    }

    /// Whether the peer has ended its side of `stream`.
    public func isRemoteClosed(_ stream: Int32) -> Bool {
        nghttp2_session_get_stream_remote_close(session, stream) != 0
    }

    // MARK: Connection

    /// Sends GOAWAY naming the highest stream the peer opened that this side
    /// processed; streams above it will not be.
    public func submitGoAway(errorCode: HTTP2ErrorCode, debugData: String = "") {
        var debug = Array(debugData.utf8)
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
                              errorCode.rawValue, &debug, debug.count)
    }

    /// Server: the first step of a graceful shutdown, a GOAWAY that announces
    /// it without refusing streams already in flight.
    public func submitShutdownNotice() {
        nghttp2_submit_shutdown_notice(session)
    }

    /// Sends a PING with `payload`.
    public func submitPing(payload: UInt64) {
        var bytes = payload.bigEndian
        withUnsafeBytes(of: &bytes) { raw in
            _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), raw.baseAddress?.assumingMemoryBound(to: UInt8.self))
        }
    }

    // MARK: Internals

    private func check(_ result: Int32, _ operation: String) throws {
        if result < 0 { throw HTTP2Error(Int(result), operation) }
    }

    /// Lays `headers` out as nghttp2 name/value pairs; nghttp2 copies them
    /// during the submit call `body` makes.
    private func withNameValues<R>(_ headers: [HTTP2Header],
                                   _ body: (UnsafePointer<nghttp2_nv>, Int) throws -> R) throws -> R {
        let byteCount = headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        return try withUnsafeTemporaryAllocation(byteCount: max(byteCount, 1), alignment: 1) { storage in
            try withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(headers.count, 1)) { nva in
                var offset = 0
                func place(_ string: String) -> (UnsafeMutablePointer<UInt8>, Int) {
                    let start = storage.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
                    var copied = 0
                    for byte in string.utf8 {
                        start[copied] = byte
                        copied += 1
                    }
                    offset += copied
                    return (start, copied)
                }
                for (index, header) in headers.enumerated() {
                    let (name, nameLength) = place(header.name)
                    let (value, valueLength) = place(header.value)
                    let flags = header.isSensitive ? NGHTTP2_NV_FLAG_NO_INDEX.rawValue : NGHTTP2_NV_FLAG_NONE.rawValue
                    nva[index] = nghttp2_nv(name: name, value: value, namelen: nameLength, valuelen: valueLength, flags: UInt8(flags))
                }
                return try body(UnsafePointer(nva.baseAddress!), headers.count)
            }
        }
    }

    // MARK: Callbacks

    fileprivate static func from(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session {
        Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    private static var dataProvider: nghttp2_data_provider {
        nghttp2_data_provider(source: nghttp2_data_source(ptr: nil)) { _, stream, buffer, length, flags, _, userData in
            HTTP2Session.from(userData).readData(stream: stream, into: UnsafeMutableRawBufferPointer(start: buffer, count: length), flags: flags!)
        }
    }

    private func readData(stream: Int32, into destination: UnsafeMutableRawBufferPointer,
                          flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let slot = outbound.index(forKey: stream) else {
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        // Through the index, in place: a copy of the queue would make `copy`
        // duplicate its ring buffer for every DATA frame.
        let hadData = outbound.values[slot].bufferedBytes > 0
        let written = outbound.values[slot].copy(into: destination)
        guard outbound.values[slot].bufferedBytes == 0 else { return written }
        if outbound.values[slot].isFinished {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            // With trailers, they end the stream; if nghttp2 refuses them,
            // the data's EOF must, or the stream would never end.
            if let trailers = outbound.values[slot].trailers, (try? withNameValues(trailers, { nva, count in
                try check(nghttp2_submit_trailer(session, stream, nva, count), "submitting trailers")
            })) != nil {
                flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
            }
            outbound.remove(at: slot)
            return written
        }
        if written == 0 {
            outbound.values[slot].isDeferred = true
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        if hadData {
            delegate.session(self, didDrainOutboundDataOn: stream)
        }
        return written
    }

    private static func install(_ callbacks: OpaquePointer?) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            HTTP2Session.from(userData).beginHeaders(frame!.pointee)
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            HTTP2Session.from(userData).header(
                stream: frame!.pointee.hd.stream_id,
                name: UnsafeRawBufferPointer(start: name, count: nameLength),
                value: UnsafeRawBufferPointer(start: value, count: valueLength))
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            HTTP2Session.from(userData).frameReceived(frame!.pointee)
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, stream, data, length, userData in
            HTTP2Session.from(userData).dataReceived(stream: stream, UnsafeRawBufferPointer(start: data, count: length))
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            let header = frame!.pointee.hd
            let isEndStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            if isEndStream, header.type == UInt8(NGHTTP2_DATA.rawValue) || header.type == UInt8(NGHTTP2_HEADERS.rawValue) {
                let session = HTTP2Session.from(userData)
                session.delegate.session(session, didSendEndStreamOn: header.stream_id)
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, stream, errorCode, userData in
            HTTP2Session.from(userData).streamClosed(stream, errorCode: errorCode)
            return 0
        }
    }

    private func beginHeaders(_ frame: nghttp2_frame) {
        let kind: HTTP2HeaderBlock.Kind
        switch frame.headers.cat {
        case NGHTTP2_HCAT_REQUEST: kind = .request
        case NGHTTP2_HCAT_RESPONSE: kind = .response
        default: kind = .trailers
        }
        // Replaces any block a stream error cut short: it will not complete.
        pendingHeaders = PendingHeaderBlock(stream: frame.hd.stream_id, kind: kind)
    }

    private func header(stream: Int32, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        guard pendingHeaders?.stream == stream else { return }
        // In place: copying the block out and back would copy every field so far.
        pendingHeaders?.add(name: name, value: value, maxSize: settings.maxHeaderListSize, maxFields: Self.maxHeaderFields)
    }

    /// Fields kept per header block, whatever their size: bounds the work of
    /// many tiny (HPACK-indexed) fields.
    private static let maxHeaderFields = 512

    private func frameReceived(_ frame: nghttp2_frame) {
        let stream = frame.hd.stream_id
        let endsStream = frame.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch Int(frame.hd.type) {
        case Int(NGHTTP2_HEADERS.rawValue):
            guard let block = pendingHeaders, block.stream == stream else { return }
            pendingHeaders = nil
            var kind = block.kind
            if kind == .response, block.fields.first(where: { $0.name == ":status" })?.value.hasPrefix("1") == true {
                kind = .informational
            }
            delegate.session(self, didReceive: HTTP2HeaderBlock(
                kind: kind, fields: block.fields, size: block.size,
                exceededLimit: block.exceededLimit, endsStream: endsStream), on: stream)
        case Int(NGHTTP2_DATA.rawValue):
            if endsStream { delegate.session(self, didReceiveData: ByteBuffer(), on: stream, endsStream: true) }
        case Int(NGHTTP2_RST_STREAM.rawValue):
            delegate.session(self, didReceiveReset: stream, errorCode: HTTP2ErrorCode(frame.rst_stream.error_code))
        case Int(NGHTTP2_GOAWAY.rawValue):
            delegate.session(self, didReceiveGoAway: frame.goaway.last_stream_id, errorCode: HTTP2ErrorCode(frame.goaway.error_code))
        case Int(NGHTTP2_PING.rawValue):
            let payload = withUnsafeBytes(of: frame.ping.opaque_data) { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
            delegate.session(self, didReceivePing: payload, isAck: frame.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0)
        case Int(NGHTTP2_SETTINGS.rawValue):
            if frame.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 { delegate.sessionDidReceiveSettings(self) }
        default:
            break
        }
    }

    private func dataReceived(stream: Int32, _ data: UnsafeRawBufferPointer) {
        guard let start = data.baseAddress else { return }
        var chunk: ByteBuffer
        if let input, start >= input.base, start + data.count <= input.base + input.buffer.readableBytes {
            // The payload lies inside the buffer being parsed: share it.
            chunk = input.buffer.getSlice(at: input.buffer.readerIndex + (start - input.base), length: data.count)!
        } else {
            chunk = ByteBuffer()
            chunk.writeBytes(data)
        }
        delegate.session(self, didReceiveData: chunk, on: stream, endsStream: false)
    }

    private func streamClosed(_ stream: Int32, errorCode: UInt32) {
        if pendingHeaders?.stream == stream { pendingHeaders = nil }
        outbound[stream] = nil
        delegate.session(self, streamDidClose: stream, errorCode: HTTP2ErrorCode(errorCode))
    }
}
