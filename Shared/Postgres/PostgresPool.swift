import CoreMetrics
import Logging
import Synchronization

/// A pool of PostgreSQL connections: the one way a service talks to its
/// database.
///
/// ```swift
/// let pool = try PostgresPool(configuration: .init(connectionString: url, schema: "catalog"))
/// let rows = try await pool.query("SELECT id, name FROM products WHERE id = \(id)")
/// let (id, name) = try rows[0].decode((Int64, String).self)
/// await pool.shutdown()
/// ```
///
/// - Borrowers are served first come, first served; one that waits longer
///   than the acquire timeout gets ``PostgresError/Code/poolExhausted``, and
///   one whose task is cancelled while waiting gets `CancellationError`.
/// - A connection idle for more than a second is checked before it is handed
///   out; connections are replaced after their maximum lifetime and closed
///   after the idle timeout (down to the minimum).
/// - A connection returned inside a transaction is rolled back; one that is
///   broken, or whose statement was cancelled, is closed, never reused.
/// - When the server cannot be reached, the pool retries with exponential
///   backoff; meanwhile borrowers fail fast with
///   ``PostgresError/Code/connectionLost`` instead of waiting.
///
/// All I/O is non-blocking, driven by one poller thread per pool (see the
/// design note on `Poller`). The async methods run on the caller's executor
/// (an event loop, an actor) until a statement waits for its result, so a
/// call costs no thread hop of its own. Call ``shutdown()`` when done.
public final class PostgresPool: Sendable {
    /// The configuration the pool was created with.
    public let configuration: PostgresConfiguration
    let logger: Logger
    let tracesStatements: Bool
    let poller: Poller
    let state = Mutex(PoolState())
    private let maintenanceTask = Mutex<Task<Void, Never>?>(nil)
    let notificationHub: NotificationHub

    /// Validates `configuration` and starts the pool: its poller thread and
    /// a maintenance task that opens the minimum connections and keeps the
    /// pool healthy.
    ///
    /// - Throws: ``PostgresConfigurationError`` naming an invalid setting.
    /// - Parameters:
    ///   - metricsFactory: where the pool records `db_pool_acquire_wait_seconds`
    ///     (each acquire's wait), with `metricsDimensions`; by default
    ///     swift-metrics' global factory.
    ///   - tracesStatements: whether each statement run inside a span gets a
    ///     child span from swift-distributed-tracing's global tracer. Off, it
    ///     costs one branch.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "postgres.pool"),
                metricsFactory: any MetricsFactory = MetricsSystem.factory,
                metricsDimensions: [(String, String)] = [], tracesStatements: Bool = false) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        self.tracesStatements = tracesStatements
        let acquireWait = Timer(label: "db_pool_acquire_wait_seconds", dimensions: metricsDimensions, factory: metricsFactory)
        state.withLock { $0.acquireWait = acquireWait }
        self.poller = try Poller(name: "postgres-poller")
        self.notificationHub = NotificationHub(configuration: configuration, poller: poller, logger: logger)
        let task = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                self.maintain()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        maintenanceTask.withLock { $0 = task }
    }

    /// An executor that runs tasks on the pool's poller thread, where the
    /// pool's statements complete.
    ///
    /// By default a statement's result resumes the waiting task on Swift's
    /// global executor, a hop to another thread. A task that does little
    /// besides issuing statements (a batch job, a benchmark) avoids that hop
    /// by preferring this executor:
    /// `Task(executorPreference: pool.taskExecutor) { … }`. Keep such tasks
    /// light: while one runs, no connection of the pool makes progress.
    public var taskExecutor: any TaskExecutor { poller }

    /// A snapshot of the pool's connections, waiters and counters.
    public func metrics() -> PostgresPoolMetrics {
        // Only copies are taken under the lock; the wait samples are sorted
        // outside it, once for both percentiles (a scrape calls this often).
        var (metrics, waits) = state.withLock { ($0.metrics(), $0.waitTimes.copySamples()) }
        (metrics.acquireWaitP50, metrics.acquireWaitP99) = WaitTimeRecorder.medianAndP99(of: waits)
        return metrics
    }

    /// Closes every connection and stops the pool. Waiting borrowers fail
    /// with ``PostgresError/Code/poolShutDown``; borrowed connections are
    /// closed when their borrowers return them, which this waits for.
    /// Later calls return at once.
    public func shutdown() async {
        let (idle, waiters, alreadyShutDown) = state.withLock { state in
            let alreadyShutDown = state.isShutDown
            state.isShutDown = true
            let idle = state.idle
            let waiters = state.waiters
            state.idle.removeAll()
            state.waiters.removeAll()
            state.connectionsClosed += idle.count
            return (idle, waiters, alreadyShutDown)
        }
        guard !alreadyShutDown else { return }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(code: .poolShutDown))
        }
        for connection in idle {
            connection.driver.close()
        }
        let task = maintenanceTask.withLock { $0 }
        task?.cancel()
        await task?.value
        await notificationHub.shutdown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                state.shutdownCompletion = continuation
                return state.takeShutdownCompletionIfDone()
            }
            done?.resume()
        }
        await poller.shutdown()
        logger.debug("postgres pool shut down")
    }

    // MARK: - Borrowing

    /// Borrows a connection: an idle one if there is one (checked first if
    /// it sat idle), otherwise waits in line. The acquire is counted where
    /// the connection is taken.
    func acquire(file: String, line: Int) async throws -> PooledConnection {
        var now = ContinuousClock.now
        while true {
            let (connection, waited) = try await takeOrWait(now: now, file: file, line: line)
            // A connection taken at once was idle since before `now`; the
            // clock is read again only when time may have passed.
            if waited { now = .now }
            if now - connection.lastUsed > configuration.healthCheckAfterIdle, await !connection.driver.ping() {
                logger.debug("discarding connection that failed its liveness check", metadata: ["connection": "\(connection.id)"])
                discard(connection, failedLivenessCheck: true)
                now = .now
                continue
            }
            return connection
        }
    }

    /// An idle connection, or one handed over after waiting (`waited`).
    private func takeOrWait(now: ContinuousClock.Instant, file: String, line: Int) async throws -> (PooledConnection, waited: Bool) {
        var retired: [PooledConnection] = []
        let immediate: Result<PooledConnection, PostgresError>? = state.withLock { state in
            guard !state.isShutDown else { return .failure(PostgresError(code: .poolShutDown)) }
            return state.takeIdle(now: now, file: file, line: line, retired: &retired).map { .success($0) }
        }
        retired.forEach { $0.driver.close() }
        if let immediate {
            return (try immediate.get(), false)
        }

        let waiterID = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let connection = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enqueue(waiterID, continuation, file: file, line: line)
            }
        } onCancel: {
            let waiter = state.withLock { state -> PoolState.Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
        return (connection, true)
    }

    private func enqueue(
        _ waiterID: UInt64,
        _ continuation: CheckedContinuation<PooledConnection, any Error>,
        file: String,
        line: Int
    ) {
        enum Decision {
            case resume(Result<PooledConnection, any Error>)
            case wait(connect: Int, failing: [PoolState.Waiter], error: PostgresError)
        }
        var retired: [PooledConnection] = []
        let decision: Decision = state.withLock { state in
            let now = ContinuousClock.now
            guard !state.isShutDown else { return .resume(.failure(PostgresError(code: .poolShutDown))) }
            // Checked under the lock the cancellation handler also takes, so
            // a cancellation cannot slip between this check and the enqueue.
            guard !Task.isCancelled else { return .resume(.failure(CancellationError())) }
            if let connection = state.takeIdle(now: now, file: file, line: line, retired: &retired) {
                return .resume(.success(connection))
            }
            state.waiters.append(
                PoolState.Waiter(id: waiterID, continuation: continuation, enqueuedAt: now, file: file, line: line)
            )
            let connect = state.connectionsToOpen(now: now, maximum: configuration.maxConnections)
            return .wait(connect: connect, failing: state.failWaitersIfUnreachable(now: now), error: state.unreachableError)
        }
        retired.forEach { $0.driver.close() }
        switch decision {
        case .resume(let result):
            continuation.resume(with: result)
        case .wait(let connect, let failing, let error):
            failing.forEach { $0.continuation.resume(throwing: error) }
            openConnections(connect)
        }
    }

    /// Returns a borrowed connection: rolls back an open transaction, then
    /// hands it to the next waiter or keeps it idle; closes it if it cannot
    /// be cleaned, broke, expired, or the pool is shutting down.
    func release(_ connection: PooledConnection) async {
        let reusable: Bool
        switch connection.driver.reusableTransactionStatus {
        case .idle:
            reusable = true
        case .inTransaction, .inFailedTransaction:
            let rolledBack = (try? await connection.driver.simpleQuery("ROLLBACK", cancellable: false)) != nil
            reusable = rolledBack && connection.driver.reusableTransactionStatus == .idle
        case .active, .unknown, nil:
            reusable = false
        }
        guard reusable else {
            discard(connection)
            return
        }

        enum Outcome {
            case handOver(PoolState.Waiter)
            case keptIdle
            case retire
        }
        var connection = connection
        let now = ContinuousClock.now
        connection.lastUsed = now
        connection.isFresh = false
        let outcome: Outcome = state.withLock { state in
            guard !state.isShutDown, connection.expiresAt > now else { return .retire }
            if let waiter = state.handToWaiter(connection, now: now) {
                return .handOver(waiter)
            }
            state.leased[connection.id] = nil
            state.idle.append(connection)
            return .keptIdle
        }
        switch outcome {
        case .handOver(let waiter):
            waiter.continuation.resume(returning: connection)
        case .keptIdle:
            break
        case .retire:
            discard(connection)
        }
    }

    /// Closes a borrowed connection and, if borrowers are waiting, opens a
    /// replacement (or fails them fast while the server is unreachable).
    ///
    /// A connection that `failedLivenessCheck` was counted as acquired where
    /// it was taken; uncounting it here, under a lock taken anyway, keeps
    /// the borrower's next try from counting twice. (Both tries' waits stay
    /// recorded.)
    func discard(_ connection: PooledConnection, failedLivenessCheck: Bool = false) {
        connection.driver.close()
        let now = ContinuousClock.now
        let (connect, failing, error, shutdownDone) = state.withLock { state in
            state.leased[connection.id] = nil
            state.connectionsClosed += 1
            if failedLivenessCheck {
                state.acquireCount -= 1
            }
            let connect = state.connectionsToOpen(now: now, maximum: configuration.maxConnections)
            return (connect, state.failWaitersIfUnreachable(now: now), state.unreachableError, state.takeShutdownCompletionIfDone())
        }
        failing.forEach { $0.continuation.resume(throwing: error) }
        shutdownDone?.resume()
        openConnections(connect)
    }

    // MARK: - Opening connections

    /// Opens `count` connections, already counted in `connecting`.
    func openConnections(_ count: Int) {
        for _ in 0..<count {
            let id = state.withLock { state in
                state.nextConnectionID += 1
                return state.nextConnectionID
            }
            Task { await self.openConnection(id: id) }
        }
    }

    private func openConnection(id: Int) async {
        do {
            let driver = try await ConnectionDriver.connect(
                parameters: configuration.connectionParameters(applicationName: configuration.applicationName),
                id: id,
                poller: poller,
                statementCacheCapacity: configuration.statementCacheCapacity
            )
            connectionOpened(driver)
        } catch {
            connectionFailed(error)
        }
    }

    private func connectionOpened(_ driver: ConnectionDriver) {
        let now = ContinuousClock.now
        // Up to 10% less than the maximum lifetime, so connections opened
        // together do not all expire together.
        let lifetime = configuration.maxLifetime * (1 - Double.random(in: 0...0.1))
        let connection = PooledConnection(driver: driver, expiresAt: now + lifetime, lastUsed: now)
        let (waiter, close, shutdownDone) = state.withLock { state in
            state.connecting -= 1
            state.connectionsCreated += 1
            state.consecutiveFailures = 0
            state.retryAt = nil
            state.lastConnectError = nil
            if state.isShutDown {
                state.connectionsClosed += 1
                return (PoolState.Waiter?.none, true, state.takeShutdownCompletionIfDone())
            }
            if let waiter = state.handToWaiter(connection, now: now) {
                return (waiter, false, nil)
            }
            var idle = connection
            idle.isFresh = false
            state.idle.append(idle)
            return (nil, false, nil)
        }
        logger.debug("opened connection", metadata: ["connection": "\(driver.id)", "backend_pid": "\(driver.backendPID)"])
        if close {
            driver.close()
        }
        shutdownDone?.resume()
        waiter?.continuation.resume(returning: connection)
    }

    private func connectionFailed(_ error: PostgresError) {
        let now = ContinuousClock.now
        let (failing, delay, shutdownDone) = state.withLock { state in
            state.connecting -= 1
            state.connectionFailures += 1
            state.consecutiveFailures += 1
            let delay = configuration.reconnectDelay(afterFailures: state.consecutiveFailures)
            state.retryAt = now + delay
            state.lastConnectError = error
            return (state.failWaitersIfUnreachable(now: now), delay, state.takeShutdownCompletionIfDone())
        }
        logger.warning(
            "could not connect to PostgreSQL; retrying",
            metadata: ["error": "\(error.debugDescription)", "retry_in": "\(delay)"]
        )
        failing.forEach { $0.continuation.resume(throwing: error) }
        shutdownDone?.resume()
    }
}
