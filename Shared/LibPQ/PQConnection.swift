import CLibPQ
import Glibc

/// One libpq connection (`PGconn`), behind a safe API.
///
/// The handle is not thread-safe: the owner must serialize every call (the
/// Postgres module keeps it inside a mutex). Connecting blocks; after
/// ``setNonBlocking()`` the `send…`, ``flush()``, ``consumeInput()`` and
/// ``nextResult()`` calls never wait for the network, so they can be driven
/// by a poller watching ``socket``.
///
/// Close a connection with ``finish()``. Deinitialization finishes a
/// connection that was not closed only as a safety net.
public final class PQConnection {
    private var handle: OpaquePointer?

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        finish()
    }

    /// Checks that `connectionString` is a URL or keyword/value string libpq
    /// can parse (`PQconninfoParse`), without connecting.
    public static func validate(connectionString: String) throws(PQError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "invalid connection string"
            PQfreemem(errorMessage)
            throw PQError(message: message.trimmingTrailingNewlines, connectionIsBroken: true)
        }
        PQconninfoFree(options)
    }

    /// Opens a connection, blocking until it is established or has failed.
    ///
    /// - Parameter parameters: libpq keywords and values, in order. A
    ///   `dbname` value may itself be a URL or keyword/value connection
    ///   string; keywords listed after it override what it says.
    public static func connect(parameters: [(keyword: String, value: String)]) throws(PQError) -> PQConnection {
        let handle = withCStringArray(parameters.map(\.keyword)) { keywords in
            withCStringArray(parameters.map(\.value)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        // PQconnectdbParams returns NULL only when out of memory; any other
        // failure still returns a handle that must be finished.
        guard let handle else {
            throw PQError(message: "out of memory allocating a connection", connectionIsBroken: true)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines
            PQfinish(handle)
            throw PQError(message: message, connectionIsBroken: true)
        }
        // libpq prints notices (e.g. "relation already exists, skipping") to
        // stderr by default, bypassing the service's logging; drop them.
        PQsetNoticeReceiver(handle, { _, _ in }, nil)
        return PQConnection(handle: handle)
    }

    /// Closes the connection and frees the handle. Safe to call twice.
    public func finish() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
    }

    /// Whether the connection is closed or libpq considers it bad.
    public var isBroken: Bool {
        guard let handle else { return true }
        return PQstatus(handle) != CONNECTION_OK
    }

    /// The socket file descriptor, or -1 once closed.
    public var socket: Int32 {
        guard let handle else { return -1 }
        return PQsocket(handle)
    }

    /// The process id of the server backend serving this connection.
    public var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    /// The server-side transaction state.
    public var transactionStatus: PQTransactionStatus {
        guard let handle else { return .unknown }
        return PQTransactionStatus(PQtransactionStatus(handle))
    }

    /// Puts the connection in non-blocking mode (`PQsetnonblocking`).
    public func setNonBlocking() throws(PQError) {
        let handle = try openHandle()
        guard PQsetnonblocking(handle, 1) == 0 else { throw error(handle) }
    }

    /// Sends a simple-protocol query string, which may hold several
    /// statements; its results come back in text format.
    public func sendQuery(_ sql: String) throws(PQError) {
        let handle = try openHandle()
        guard PQsendQuery(handle, sql) == 1 else { throw error(handle) }
    }

    /// Sends a request to create the prepared statement `name`.
    public func sendPrepare(name: String, sql: String, parameterTypes: [UInt32]) throws(PQError) {
        let handle = try openHandle()
        let sent = parameterTypes.withUnsafeBufferPointer { types in
            PQsendPrepare(handle, name, sql, Int32(types.count), types.baseAddress)
        }
        guard sent == 1 else { throw error(handle) }
    }

    /// Sends a request to execute the prepared statement `name` with binary
    /// parameters, asking for binary results.
    public func sendQueryPrepared(name: String, parameters: PQParameters) throws(PQError) {
        let handle = try openHandle()
        // An explicit withCString: the implicit conversion inside a closure
        // copies the name into a new array for every statement.
        let sent = name.withCString { name in
            parameters.withCArrays { values, lengths, formats in
                PQsendQueryPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 1)
            }
        }
        guard sent == 1 else { throw error(handle) }
    }

    /// Tries to send what libpq has buffered. Returns `true` when everything
    /// was sent and `false` when the socket must become writable first.
    public func flush() throws(PQError) -> Bool {
        let handle = try openHandle()
        switch PQflush(handle) {
        case 0: return true
        case 1: return false
        default: throw error(handle)
        }
    }

    /// Reads whatever the server has sent, without blocking.
    public func consumeInput() throws(PQError) {
        let handle = try openHandle()
        guard PQconsumeInput(handle) == 1 else { throw error(handle) }
    }

    /// Whether ``nextResult()`` would have to wait for more input.
    public var isBusy: Bool {
        guard let handle else { return false }
        return PQisBusy(handle) == 1
    }

    /// The next result of the command in progress, copied and cleared, or
    /// nil when the command is complete. Call only when ``isBusy`` is false.
    public func nextResult() -> PQResult? {
        guard let handle, let result = PQgetResult(handle) else { return nil }
        defer { PQclear(result) }
        return PQResult(copying: result)
    }

    /// Notifications received so far (`PQnotifies`), copied and freed.
    public func notifications() -> [PQNotification] {
        guard let handle else { return [] }
        var notifications: [PQNotification] = []
        while let notify = PQnotifies(handle) {
            notifications.append(
                PQNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: String(cString: notify.pointee.extra),
                    backendPID: notify.pointee.be_pid
                )
            )
            PQfreemem(notify)
        }
        return notifications
    }

    /// A request that cancels the statement in progress when sent from
    /// another thread, or nil when the connection is closed.
    public func makeCancelRequest() -> PQCancelRequest? {
        guard let handle else { return nil }
        return PQCancelRequest(connection: handle)
    }

    private func openHandle() throws(PQError) -> OpaquePointer {
        guard let handle else { throw PQError(message: "connection is closed", connectionIsBroken: true) }
        return handle
    }

    private func error(_ handle: OpaquePointer) -> PQError {
        PQError(
            message: String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines,
            connectionIsBroken: PQstatus(handle) != CONNECTION_OK
        )
    }
}

/// Calls `body` with a NULL-terminated array of C strings that lives for the
/// duration of the call.
private func withCStringArray<R>(
    _ strings: [String],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R
) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var trimmed = Substring(self)
        while trimmed.last?.isNewline == true { trimmed.removeLast() }
        return String(trimmed)
    }
}
