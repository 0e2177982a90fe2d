#if canImport(Glibc)
import CLibPQ
import Glibc

/// A Linux epoll instance plus an eventfd to wake its waiter: the readiness
/// API the Postgres module's poller thread drives non-blocking libpq
/// connections with.
///
/// `epoll_ctl` may be called from any thread while another thread waits, so
/// registration changes need no extra locking.
public final class Epoll: Sendable {
    /// What a registered descriptor became ready for.
    public struct Event: Sendable {
        /// The identifier the descriptor was registered with.
        public let id: UInt64
        /// Data can be read (or the peer closed the connection).
        public let isReadable: Bool
        /// Data can be written without blocking.
        public let isWritable: Bool
    }

    /// The identifier of the wake-up eventfd, whose events ``wait(into:block:)``
    /// consumes instead of reporting.
    private static let wakeUpID: UInt64 = .max

    private let epollFD: Int32
    private let eventFD: Int32

    /// Creates the epoll instance and its wake-up eventfd.
    public init() throws(PQError) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw Epoll.systemError("epoll_create1") }
        eventFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard eventFD >= 0 else {
            Glibc.close(epollFD)
            throw Epoll.systemError("eventfd")
        }
        try control(EPOLL_CTL_ADD, fd: eventFD, id: Epoll.wakeUpID, writable: false)
    }

    /// Closes the epoll instance. Call once, after the last ``wait(into:block:)``.
    public func close() {
        Glibc.close(eventFD)
        Glibc.close(epollFD)
    }

    /// Starts watching `fd` for readability (and writability if asked).
    public func add(fd: Int32, id: UInt64, writable: Bool) throws(PQError) {
        try control(EPOLL_CTL_ADD, fd: fd, id: id, writable: writable)
    }

    /// Changes whether `fd` is also watched for writability.
    public func modify(fd: Int32, id: UInt64, writable: Bool) throws(PQError) {
        try control(EPOLL_CTL_MOD, fd: fd, id: id, writable: writable)
    }

    /// Stops watching `fd`. Must happen before the descriptor is closed, so a
    /// reused descriptor number is never mistaken for the old one.
    public func remove(fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
    }

    /// Makes a concurrent or the next ``wait(into:block:)`` return.
    public func wake() {
        var one: UInt64 = 1
        _ = write(eventFD, &one, MemoryLayout<UInt64>.size)
    }

    /// Space for the events one ``wait(into:block:)`` returns, reused from
    /// call to call by the one thread that waits.
    public struct EventBuffer {
        fileprivate var raw: [epoll_event]
        /// The events the last wait returned.
        public fileprivate(set) var events: [Event] = []

        /// Room for up to `capacity` events per wait.
        public init(capacity: Int) {
            raw = [epoll_event](repeating: epoll_event(), count: capacity)
            events.reserveCapacity(capacity)
        }
    }

    /// Waits until at least one descriptor is ready (level-triggered) and
    /// puts what is ready into `buffer.events`: waits forever when `block`
    /// is true, otherwise not at all. Interrupted waits and ``wake()`` calls
    /// return no events.
    public func wait(into buffer: inout EventBuffer, block: Bool) {
        buffer.events.removeAll(keepingCapacity: true)
        let count = epoll_wait(epollFD, &buffer.raw, Int32(buffer.raw.count), block ? -1 : 0)
        guard count > 0 else { return }
        for event in buffer.raw[0..<Int(count)] {
            if event.data.u64 == Epoll.wakeUpID {
                var value: UInt64 = 0
                _ = read(eventFD, &value, MemoryLayout<UInt64>.size)
                continue
            }
            let flags = event.events
            let hangUp = flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
            buffer.events.append(
                Event(
                    id: event.data.u64,
                    isReadable: flags & EPOLLIN.rawValue != 0 || hangUp,
                    isWritable: flags & EPOLLOUT.rawValue != 0 || hangUp
                )
            )
        }
    }

    private func control(_ operation: Int32, fd: Int32, id: UInt64, writable: Bool) throws(PQError) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | (writable ? EPOLLOUT.rawValue : 0)
        event.data.u64 = id
        guard epoll_ctl(epollFD, operation, fd, &event) == 0 else {
            throw Epoll.systemError("epoll_ctl")
        }
    }

    private static func systemError(_ call: String) -> PQError {
        PQError(message: "\(call) failed: \(String(cString: strerror(errno)))", connectionIsBroken: true)
    }
}
#endif
