internal import LibPQ
import Synchronization

/// One physical connection: owns the libpq handle and moves it through its
/// states. Tasks send statements from their own thread (non-blocking); the
/// ``Poller`` thread reads the answers and resumes them.
///
/// Every libpq call on the handle happens under the state lock, because
/// libpq connections are not thread-safe.
final class ConnectionDriver: Sendable {
    /// A statement to send.
    enum Command {
        /// Simple-protocol text, possibly several statements; text results.
        case simpleQuery(String)
        /// Creates a prepared statement.
        case prepare(name: String, sql: String, parameterTypes: [UInt32])
        /// Executes a prepared statement; binary parameters and results.
        case executePrepared(name: String, parameters: PQParameters)
    }

    /// What a connection reports to whoever listens (only LISTEN connections).
    enum Event: Sendable {
        case notification(PQNotification)
        /// The connection broke; it must be closed.
        case broken
    }

    fileprivate struct Pending {
        let operationID: UInt64
        let continuation: UnsafeContinuation<[PQResult], any Error>
        var results: [PQResult] = []
        var cancelRequested = false
    }

    fileprivate enum Phase {
        case idle
        case busy(Pending)
        case broken
        case closed
    }

    private struct State {
        let connection: PQConnection
        var phase = Phase.idle
        var watchingWritable = false
        /// An operation whose task was cancelled before it was sent.
        var cancelledOperationID: UInt64?
        /// The connection must not serve another borrower: a cancel request
        /// was sent (it may still hit a later statement), or libpq is stuck
        /// in COPY mode.
        var mustDiscard = false
        var statements: StatementCache
    }

    /// A number identifying this connection in logs and in the pool.
    let id: Int
    /// The server process serving this connection.
    let backendPID: Int32
    private let socket: Int32
    private let registrationID: UInt64
    private let poller: Poller
    private let eventHandler: (@Sendable (Event) -> Void)?
    private let state: Mutex<State>
    /// Numbers operations without taking the state lock; only uniqueness
    /// matters, so relaxed ordering suffices.
    private let nextOperationID = Atomic<UInt64>(0)

    private init(
        connection: sending PQConnection,
        id: Int,
        poller: Poller,
        statementCacheCapacity: Int,
        eventHandler: (@Sendable (Event) -> Void)?
    ) {
        self.id = id
        self.backendPID = connection.backendPID
        self.socket = connection.socket
        self.registrationID = poller.makeRegistrationID()
        self.poller = poller
        self.eventHandler = eventHandler
        self.state = Mutex(State(connection: connection, statements: StatementCache(capacity: statementCacheCapacity)))
    }

    /// Connects (on a dedicated thread: libpq connects blockingly) and
    /// registers the connection with `poller`.
    static func connect(
        parameters: [(keyword: String, value: String)],
        id: Int,
        poller: Poller,
        statementCacheCapacity: Int,
        eventHandler: (@Sendable (Event) -> Void)? = nil
    ) async throws(PostgresError) -> ConnectionDriver {
        do {
            return try await DedicatedThread.run {
                let connection = try PQConnection.connect(parameters: parameters)
                do {
                    try connection.setNonBlocking()
                } catch {
                    connection.finish()
                    throw error
                }
                let socket = connection.socket
                let driver = ConnectionDriver(
                    connection: connection,
                    id: id,
                    poller: poller,
                    statementCacheCapacity: statementCacheCapacity,
                    eventHandler: eventHandler
                )
                do {
                    try poller.register(driver, fd: socket, id: driver.registrationID)
                } catch {
                    driver.close()
                    throw error
                }
                return driver
            }
        } catch let error as PQError {
            throw PostgresError(code: .connectionLost, serverMessage: error.message)
        } catch {
            throw PostgresError(code: .connectionLost, serverMessage: "\(error)")
        }
    }

    /// The server-side transaction state, as of the last result.
    var transactionStatus: PQTransactionStatus {
        state.withLock { $0.connection.transactionStatus }
    }

    /// Whether the connection can serve another borrower.
    var isReusable: Bool { reusableTransactionStatus != nil }

    /// The server-side transaction state of a connection that can serve
    /// another borrower, nil for one that cannot: both in one lock, for
    /// returning a connection to the pool.
    var reusableTransactionStatus: PQTransactionStatus? {
        state.withLock { state in
            guard case .idle = state.phase, !state.mustDiscard, !state.connection.isBroken else { return nil }
            return state.connection.transactionStatus
        }
    }

    /// Sends `command` and waits for all its results. Throws
    /// ``PostgresError/Code/connectionLost`` when the connection breaks, and
    /// `CancellationError` when the task is cancelled: before sending, or
    /// while running, in which case a cancel request stops the server.
    func run(_ command: Command, cancellable: Bool = true) async throws -> [PQResult] {
        let operationID = nextOperationID.wrappingAdd(1, ordering: .relaxed).newValue
        // Unsafe continuations save an allocation per statement; each is
        // resumed exactly once: by `start` when sending fails, otherwise by
        // whoever takes the pending operation out of the state (completion,
        // breakage or close), which happens once under the lock.
        guard cancellable else {
            return try await withUnsafeThrowingContinuation { start(command, operationID, $0) }
        }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { start(command, operationID, $0) }
        } onCancel: {
            cancel(operationID)
        }
    }

    private func start(
        _ command: Command,
        _ operationID: UInt64,
        _ continuation: UnsafeContinuation<[PQResult], any Error>
    ) {
        let failure: (any Error)? = state.withLock { state -> (any Error)? in
            guard case .idle = state.phase else {
                switch state.phase {
                case .busy:
                    return PostgresError(code: .invalidUsage, serverMessage: "a connection runs one statement at a time")
                default:
                    return PostgresError(code: .connectionLost, serverMessage: "connection is closed")
                }
            }
            if state.cancelledOperationID == operationID {
                return CancellationError()
            }
            do throws(PQError) {
                switch command {
                case .simpleQuery(let sql):
                    try state.connection.sendQuery(sql)
                case .prepare(let name, let sql, let types):
                    try state.connection.sendPrepare(name: name, sql: sql, parameterTypes: types)
                case .executePrepared(let name, let parameters):
                    try state.connection.sendQueryPrepared(name: name, parameters: parameters)
                }
                let flushed = try state.connection.flush()
                state.phase = .busy(Pending(operationID: operationID, continuation: continuation))
                if !flushed {
                    state.watchingWritable = true
                    poller.watchWritable(fd: socket, id: registrationID, true)
                }
                return nil
            } catch {
                if error.connectionIsBroken {
                    markBroken(&state)
                }
                return PostgresError(code: .connectionLost, serverMessage: error.message)
            }
        }
        if let failure {
            continuation.resume(throwing: failure)
        }
    }

    private func cancel(_ operationID: UInt64) {
        let request: PQCancelRequest? = state.withLock { state in
            guard case .busy(var pending) = state.phase, pending.operationID == operationID else {
                state.cancelledOperationID = operationID
                return nil
            }
            guard !pending.cancelRequested else { return nil }
            pending.cancelRequested = true
            state.phase = .busy(pending)
            state.mustDiscard = true
            return state.connection.makeCancelRequest()
        }
        if let request {
            // PQcancel connects to the server and blocks.
            DedicatedThread.start { try? request.send() }
        }
    }

    /// Called by the poller thread when the socket is ready.
    func handleReadiness(readable: Bool, writable: Bool) {
        var notifications: [PQNotification] = []
        var broke = false
        let completion: (UnsafeContinuation<[PQResult], any Error>, Result<[PQResult], any Error>)? = state.withLock { state in
            switch state.phase {
            case .closed, .broken: return nil
            case .idle, .busy: break
            }
            do {
                if writable, state.watchingWritable, try state.connection.flush() {
                    state.watchingWritable = false
                    poller.watchWritable(fd: socket, id: registrationID, false)
                }
                if readable {
                    try state.connection.consumeInput()
                }
            } catch {
                // Handled below: libpq marks the connection bad.
            }
            if eventHandler != nil {
                notifications = state.connection.notifications()
            }

            if state.connection.isBroken {
                broke = true
                let pending = markBroken(&state)
                return pending.map {
                    ($0.continuation, .failure(PostgresError(code: .connectionLost, serverMessage: "server closed the connection")))
                }
            }
            guard case .busy(var pending) = state.phase else { return nil }
            state.phase = .idle  // releases the enum's copy so appending does not copy the results
            while !state.connection.isBusy {
                guard let result = state.connection.nextResult() else {
                    return (pending.continuation, pending.outcome)
                }
                pending.results.append(result)
                if case .unsupported = result.status {
                    // COPY: libpq now waits for COPY data and would hand out
                    // this result forever. Report it; the connection cannot
                    // be used again.
                    state.mustDiscard = true
                    return (pending.continuation, pending.outcome)
                }
            }
            state.phase = .busy(pending)
            return nil
        }
        if let (continuation, result) = completion {
            continuation.resume(with: result)
        }
        if let eventHandler {
            for notification in notifications {
                eventHandler(.notification(notification))
            }
            if broke {
                eventHandler(.broken)
            }
        }
    }

    /// Marks the connection broken and stops polling it; returns the
    /// operation that was in flight, for the caller to fail.
    @discardableResult
    private func markBroken(_ state: inout State) -> Pending? {
        var pending: Pending?
        if case .busy(let inFlight) = state.phase {
            pending = inFlight
        }
        state.phase = .broken
        poller.deregister(fd: socket, id: registrationID)
        return pending
    }

    /// Closes the connection. Safe to call more than once.
    func close() {
        let pending: Pending? = state.withLock { state in
            var pending: Pending?
            switch state.phase {
            case .closed:
                return nil
            case .broken:
                break
            case .busy(let inFlight):
                pending = inFlight
                poller.deregister(fd: socket, id: registrationID)
            case .idle:
                poller.deregister(fd: socket, id: registrationID)
            }
            state.phase = .closed
            state.connection.finish()
            return pending
        }
        pending?.continuation.resume(throwing: PostgresError(code: .connectionLost, serverMessage: "connection was closed"))
    }

    /// Runs `body` with this connection's statement cache.
    func withStatementCache<Value>(_ body: (inout StatementCache) -> Value) -> Value {
        state.withLock { body(&$0.statements) }
    }
}

extension ConnectionDriver.Pending {
    /// The result to resume the task with. A statement that failed because
    /// its task's cancel request stopped it becomes a `CancellationError`.
    fileprivate var outcome: Result<[PQResult], any Error> {
        if cancelRequested, results.contains(where: \.wasCanceled) {
            return .failure(CancellationError())
        }
        return .success(results)
    }
}

extension PQResult {
    /// Whether the statement failed with query_canceled (57014).
    var wasCanceled: Bool {
        if case .error(let error) = status, error.sqlState == "57014" { return true }
        return false
    }
}
