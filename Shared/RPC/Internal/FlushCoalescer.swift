import NIOCore

/// Decides when a connection writes what nghttp2 has queued, so the frames
/// of a burst of work (a read's worth of requests, a batch of handler
/// completions) leave in one write and one syscall.
struct FlushCoalescer {
    private var isScheduled = false
    /// Inside a read burst, whose end flushes anyway.
    private var isReading = false

    /// Asks for a flush; true when the caller must schedule one on the event
    /// loop (none is pending and no read burst will do it).
    mutating func request() -> Bool {
        guard !isScheduled else { return false }
        isScheduled = true
        return !isReading
    }

    /// A scheduled flush is due: true when one is still wanted.
    mutating func take() -> Bool {
        defer { isScheduled = false }
        return isScheduled
    }

    mutating func readStarted() {
        isReading = true
    }

    /// The read burst ended; its end flushes.
    mutating func readEnded() {
        isReading = false
        isScheduled = false
    }
}
