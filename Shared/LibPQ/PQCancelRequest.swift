import CLibPQ

/// A request to cancel the statement a connection is running, usable from
/// any thread (`PQgetCancel` / `PQcancel`).
///
/// Sending it opens a new connection to the server and blocks until the
/// server has received the request, so call ``send()`` on a thread that may
/// block, never on a Swift concurrency or event-loop thread.
public final class PQCancelRequest: @unchecked Sendable {
    // @unchecked: the handle is immutable after init, and PGcancel is a
    // self-contained copy of the backend key and address that libpq
    // documents as safe to use from any thread (PQcancel is even
    // signal-safe). It is freed only in deinit, after the last use.
    private let handle: OpaquePointer

    init?(connection: OpaquePointer) {
        guard let handle = PQgetCancel(connection) else { return nil }
        self.handle = handle
    }

    // Freeing here is safe and sufficient: a PGcancel holds memory only, no
    // socket or server resource, so nothing waits for an explicit close.
    deinit {
        PQfreeCancel(handle)
    }

    /// Sends the cancel request, blocking until it was delivered. Throws when
    /// it could not be delivered; a delivered request does not guarantee
    /// that the statement stops.
    public func send() throws(PQError) {
        var buffer = [CChar](repeating: 0, count: 256)
        let delivered = PQcancel(handle, &buffer, Int32(buffer.count)) == 1
        guard delivered else {
            let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw PQError(message: message, connectionIsBroken: false)
        }
    }
}
