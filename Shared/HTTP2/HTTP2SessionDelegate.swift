import NIOCore

/// Receives an ``HTTP2Session``'s events. Every method is called
/// synchronously from inside ``HTTP2Session/receive(_:)`` or
/// ``HTTP2Session/flush(into:)``; implementations may submit frames and queue
/// data, but must not call `receive` or `flush` re-entrantly.
public protocol HTTP2SessionDelegate: AnyObject {
    /// A complete header block arrived on `stream`.
    func session(_ session: HTTP2Session, didReceive headers: HTTP2HeaderBlock, on stream: Int32)

    /// Body bytes arrived on `stream`. Each call's bytes count against the
    /// flow-control windows until passed to ``HTTP2Session/consume(_:on:)``.
    func session(_ session: HTTP2Session, didReceiveData data: ByteBuffer, on stream: Int32, endsStream: Bool)

    /// The stream closed, normally (`.noError`) or by reset or error.
    func session(_ session: HTTP2Session, streamDidClose stream: Int32, errorCode: HTTP2ErrorCode)

    /// The peer reset `stream` with RST_STREAM.
    func session(_ session: HTTP2Session, didReceiveReset stream: Int32, errorCode: HTTP2ErrorCode)

    /// The peer sent GOAWAY: streams above `lastStreamID` were not processed.
    func session(_ session: HTTP2Session, didReceiveGoAway lastStreamID: Int32, errorCode: HTTP2ErrorCode)

    /// A PING frame arrived (nghttp2 answers non-ACK pings itself).
    func session(_ session: HTTP2Session, didReceivePing payload: UInt64, isAck: Bool)

    /// The peer's SETTINGS arrived or changed.
    func sessionDidReceiveSettings(_ session: HTTP2Session)

    /// All data queued on `stream` was handed to nghttp2 for sending.
    func session(_ session: HTTP2Session, didDrainOutboundDataOn stream: Int32)

    /// This side's last frame on `stream` (END_STREAM) was written out.
    func session(_ session: HTTP2Session, didSendEndStreamOn stream: Int32)
}
