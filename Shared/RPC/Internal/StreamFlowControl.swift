import HTTP2

/// Bytes a stream received and has not yet returned to HTTP/2 flow control.
/// Holding them while the reader lags is what makes the peer wait.
struct HeldBytes {
    private var count = 0

    mutating func hold(_ bytes: Int) {
        count += bytes
    }

    /// Returns every held byte to `stream`'s windows; true when a window
    /// update is now due, so the caller must flush.
    mutating func release(to session: HTTP2Session, on stream: Int32) -> Bool {
        guard count > 0 else { return false }
        session.consume(count, on: stream)
        count = 0
        return true
    }
}

/// A stream writer's wait for its queued output to drain: past the
/// high-water mark, the writer waits until nghttp2 has taken the queue.
struct OutboundBackpressure {
    /// Queued bytes beyond which a writer waits for the peer to read.
    private static let highWaterMark = 256 * 1024
    private var waiter: CheckedContinuation<Void, any Error>?

    /// Whether a writer may go on with `bufferedBytes` queued.
    static func hasRoom(_ bufferedBytes: Int) -> Bool {
        bufferedBytes < highWaterMark
    }

    /// Resumes `continuation` at once while there is room, otherwise when
    /// ``resume(throwing:)`` is called. One writer may wait at a time;
    /// `stream` names the stream in the error for a second.
    mutating func wait(_ continuation: CheckedContinuation<Void, any Error>, bufferedBytes: Int, stream: String) {
        if Self.hasRoom(bufferedBytes) {
            continuation.resume()
        } else if waiter != nil {
            continuation.resume(throwing: RPCError(.internal, "the \(stream) stream was written by two tasks at once"))
        } else {
            waiter = continuation
        }
    }

    /// Ends the wait: the queue drained (`error` nil) or the call is over.
    mutating func resume(throwing error: RPCError? = nil) {
        guard let waiter else { return }
        self.waiter = nil
        if let error { waiter.resume(throwing: error) } else { waiter.resume() }
    }
}
