import CLibPQ

/// A request to cancel the statement a connection is running, usable from
/// any thread (`PQgetCancel` / `PQcancel`).
///
/// Sending it opens a new connection to the server and blocks until the
/// server has received the request, so call ``send()`` on a thread that may
/// block, never on a Swift concurrency or event-loop thread.
public struct PQCancelRequest: ~Copyable, @unchecked Sendable {
    // @unchecked: PGcancel is a self-contained copy of the backend key and
    // address made for use from other threads (libpq documents PQcancel as
    // thread-safe); this value is non-copyable, so exactly one owner sends
    // and frees it.
    private let handle: OpaquePointer

    init?(connection: OpaquePointer) {
        guard let handle = PQgetCancel(connection) else { return nil }
        self.handle = handle
    }

    /// Sends the cancel request. Throws when it could not be delivered; a
    /// delivered request does not guarantee that the statement stops.
    public consuming func send() throws(PQError) {
        var buffer = [CChar](repeating: 0, count: 256)
        let delivered = PQcancel(handle, &buffer, Int32(buffer.count)) == 1
        guard delivered else {
            let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw PQError(message: message, connectionIsBroken: false)
        }
    }

    deinit {
        PQfreeCancel(handle)
    }
}
