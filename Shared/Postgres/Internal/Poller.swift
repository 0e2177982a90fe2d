import Foundation
internal import LibPQ
import Synchronization

/// The one thread that waits for the sockets of a pool's connections.
///
/// **Why a poller and not a thread per connection.** libpq's blocking calls
/// must never run on Swift concurrency's cooperative threads (there are only
/// as many as cores; a blocked one stalls unrelated tasks) nor on event-loop
/// threads. Connections therefore run libpq in non-blocking mode: the task
/// that issues a statement calls `PQsendQueryPrepared`/`PQflush`, which
/// never wait, and this thread waits in `epoll_wait` for the sockets to
/// become readable, then reads (`PQconsumeInput`), collects the results once
/// `PQisBusy` is false, and resumes the waiting task. One thread serves all
/// connections, so on a small machine a query costs one wake-up of this
/// thread instead of a context switch to and from a dedicated thread per
/// connection, and idle connections cost no thread at all. Sockets stay
/// registered while idle, so a server that goes away (a restart, a
/// terminated backend) is noticed before the connection is borrowed again.
///
/// The few calls that block inside libpq and are rare (connecting, which
/// resolves names and authenticates, and sending a cancel request) run on
/// short-lived dedicated threads instead (see ``DedicatedThread``).
final class Poller: Sendable {
    private enum Phase {
        case running
        case stopping(CheckedContinuation<Void, Never>)
        case stopped
    }

    private struct State {
        var drivers: [UInt64: ConnectionDriver] = [:]
        var nextID: UInt64 = 0
        var phase = Phase.running
        /// Task jobs to run on this thread (see the TaskExecutor conformance).
        var jobs: [UnownedJob] = []
        /// Whether the thread is blocked in epoll_wait and needs a wake-up
        /// to see new jobs.
        var isBlocked = false
    }

    private let epoll: Epoll
    private let state = Mutex(State())

    init(name: String) throws(PostgresError) {
        do {
            epoll = try Epoll()
        } catch {
            throw PostgresError(code: .connectionLost, serverMessage: error.message)
        }
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Reserves the identifier a connection registers under.
    func makeRegistrationID() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    /// Starts delivering the readiness of `fd` to `driver`.
    func register(_ driver: ConnectionDriver, fd: Int32, id: UInt64) throws(PQError) {
        state.withLock { $0.drivers[id] = driver }
        do {
            try epoll.add(fd: fd, id: id, writable: false)
        } catch {
            state.withLock { _ = $0.drivers.removeValue(forKey: id) }
            throw error
        }
    }

    /// Whether `fd` is also watched for writability (while libpq has
    /// unsent output).
    func watchWritable(fd: Int32, id: UInt64, _ writable: Bool) {
        try? epoll.modify(fd: fd, id: id, writable: writable)
    }

    /// Stops watching `fd`; call before the socket is closed.
    func deregister(fd: Int32, id: UInt64) {
        epoll.remove(fd: fd)
        state.withLock { _ = $0.drivers.removeValue(forKey: id) }
    }

    /// Stops the thread. Connections must be closed first.
    func shutdown() async {
        await withCheckedContinuation { continuation in
            let alreadyStopped = state.withLock { state in
                guard case .running = state.phase else { return true }
                state.phase = .stopping(continuation)
                return false
            }
            if alreadyStopped {
                continuation.resume()
            } else {
                epoll.wake()
            }
        }
    }

    private func run() {
        var buffer = Epoll.EventBuffer(capacity: 64)
        var ready: [(ConnectionDriver, Epoll.Event)] = []
        var jobs: [UnownedJob] = []
        while true {
            // Run the jobs queued so far; ones they queue run next round,
            // after the sockets had a turn. Swapping the arrays reuses both
            // buffers instead of allocating one per round.
            state.withLock { swap(&$0.jobs, &jobs) }
            for job in jobs {
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
            jobs.removeAll(keepingCapacity: true)

            // Wait for the sockets, blocking only when no job is waiting:
            // one epoll_wait per round.
            let (block, stopping) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                if state.jobs.isEmpty, case .stopping(let continuation) = state.phase {
                    state.phase = .stopped
                    return (false, continuation)
                }
                state.isBlocked = state.jobs.isEmpty
                return (state.isBlocked, nil)
            }
            if let stopping {
                epoll.close()
                stopping.resume()
                return
            }
            epoll.wait(into: &buffer, block: block)

            ready.removeAll(keepingCapacity: true)
            state.withLock { state in
                state.isBlocked = false
                for event in buffer.events {
                    if let driver = state.drivers[event.id] {
                        ready.append((driver, event))
                    }
                }
            }
            for (driver, event) in ready {
                driver.handleReadiness(readable: event.isReadable, writable: event.isWritable)
            }
        }
    }
}

/// The poller thread can also run tasks: a task that mostly waits for
/// statements saves a thread hop per statement when it runs where their
/// results are read (see ``PostgresPool/taskExecutor``).
extension Poller: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (accepted, wake) = state.withLock { state in
            if case .stopped = state.phase { return (false, false) }
            state.jobs.append(job)
            defer { state.isBlocked = false }
            return (true, state.isBlocked)
        }
        if !accepted {
            // The thread is gone; run the job with the default executor.
            globalConcurrentExecutor.enqueue(job)
        } else if wake {
            epoll.wake()
        }
    }
}
