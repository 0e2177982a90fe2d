import CoreMetrics
import DequeModule

/// The bookkeeping of a ``PostgresPool``, mutated only under the pool's lock.
/// Methods decide; the pool performs the resulting I/O outside the lock.
struct PoolState {
    /// `db_pool_acquire_wait_seconds`: every acquire's wait, for a histogram.
    var acquireWait: CoreMetrics.Timer?

    struct Lease {
        let borrowedAt: ContinuousClock.Instant
        let file: String
        let line: Int
        var leakReported = false
    }

    struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<PooledConnection, any Error>
        let enqueuedAt: ContinuousClock.Instant
        let file: String
        let line: Int
    }

    /// Idle connections; the most recently returned is at the end and is
    /// handed out first, so surplus connections age out at the front.
    var idle: [PooledConnection] = []
    var leased: [Int: Lease] = [:]
    var connecting = 0
    var waiters = Deque<Waiter>()
    var nextConnectionID = 0
    var nextWaiterID: UInt64 = 0
    var consecutiveFailures = 0
    var retryAt: ContinuousClock.Instant?
    var lastConnectError: PostgresError?
    var isShutDown = false
    var shutdownCompletion: CheckedContinuation<Void, Never>?

    var acquireCount = 0
    var acquireTimeouts = 0
    var connectionsCreated = 0
    var connectionsClosed = 0
    var connectionFailures = 0
    var waitTimes = WaitTimeRecorder()

    /// Connections open (idle or borrowed).
    var openCount: Int { idle.count + leased.count }
    /// Connections open or being opened.
    var totalCount: Int { openCount + connecting }

    func isBackingOff(at now: ContinuousClock.Instant) -> Bool {
        retryAt.map { now < $0 } ?? false
    }

    /// Takes the most recently used idle connection that is still usable,
    /// moving unusable ones to `retired`. The borrower did not wait.
    mutating func takeIdle(
        now: ContinuousClock.Instant,
        file: String,
        line: Int,
        retired: inout [PooledConnection]
    ) -> PooledConnection? {
        while let connection = idle.popLast() {
            guard connection.expiresAt > now, connection.driver.isReusable else {
                connectionsClosed += 1
                retired.append(connection)
                continue
            }
            lease(connection, now: now, waitingSince: now, file: file, line: line)
            return connection
        }
        return nil
    }

    /// Leases `connection` to the borrower waiting longest, if any, who the
    /// caller then resumes with it.
    mutating func handToWaiter(_ connection: PooledConnection, now: ContinuousClock.Instant) -> Waiter? {
        guard let waiter = waiters.popFirst() else { return nil }
        lease(connection, now: now, waitingSince: waiter.enqueuedAt, file: waiter.file, line: waiter.line)
        return waiter
    }

    /// Records the borrow and counts the acquire with its wait here, under
    /// the lock the hand-over holds anyway. A connection that then fails its
    /// liveness check is uncounted when discarded (see
    /// ``PostgresPool/discard(_:failedLivenessCheck:)``).
    private mutating func lease(
        _ connection: PooledConnection,
        now: ContinuousClock.Instant,
        waitingSince: ContinuousClock.Instant,
        file: String,
        line: Int
    ) {
        leased[connection.id] = Lease(borrowedAt: now, file: file, line: line)
        acquireCount += 1
        waitTimes.record(now - waitingSince)
        if let acquireWait {
            let (seconds, attoseconds) = (now - waitingSince).components
            acquireWait.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
    }

    /// How many new connections to open: one per waiter not covered by the
    /// connections on their way, and at least enough to reach `minimum`,
    /// within `maximum`; none while backing off or shut down. Counts them
    /// as connecting.
    mutating func connectionsToOpen(now: ContinuousClock.Instant, minimum: Int = 0, maximum: Int) -> Int {
        guard !isShutDown, !isBackingOff(at: now) else { return 0 }
        let wanted = Swift.max(minimum - totalCount, waiters.count - connecting)
        let count = Swift.max(0, Swift.min(wanted, maximum - totalCount))
        connecting += count
        return count
    }

    /// While the server is unreachable (no open connection, none being
    /// opened, waiting out a backoff), waiters fail at once rather than
    /// waiting for the acquire timeout.
    mutating func failWaitersIfUnreachable(now: ContinuousClock.Instant) -> [Waiter] {
        guard openCount == 0, connecting == 0, isBackingOff(at: now) else { return [] }
        defer { waiters.removeAll() }
        return Array(waiters)
    }

    var unreachableError: PostgresError {
        lastConnectError ?? PostgresError(code: .connectionLost)
    }

    /// The shutdown continuation, once nothing is borrowed or connecting.
    mutating func takeShutdownCompletionIfDone() -> CheckedContinuation<Void, Never>? {
        guard isShutDown, leased.isEmpty, connecting == 0 else { return nil }
        defer { shutdownCompletion = nil }
        return shutdownCompletion
    }

    /// The counters for ``PostgresPool/metrics()``, which computes the wait
    /// percentiles (left zero here) outside the lock.
    func metrics() -> PostgresPoolMetrics {
        PostgresPoolMetrics(
            totalConnections: totalCount,
            idleConnections: idle.count,
            inUseConnections: leased.count,
            pendingConnections: connecting,
            waiters: waiters.count,
            acquireCount: acquireCount,
            acquireTimeouts: acquireTimeouts,
            acquireWaitP50: .zero,
            acquireWaitP99: .zero,
            connectionsCreated: connectionsCreated,
            connectionsClosed: connectionsClosed,
            connectionFailures: connectionFailures
        )
    }
}
