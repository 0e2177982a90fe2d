extension PostgresPool {
    /// Borrows a connection for the duration of `body` and returns it
    /// afterwards, whether `body` returns or throws. A transaction `body`
    /// left open is rolled back when the connection is returned.
    ///
    /// - Parameters:
    ///   - file: Where the borrow happens, reported by leak detection.
    ///   - line: Where the borrow happens, reported by leak detection.
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/poolExhausted``
    ///   after the acquire timeout, `CancellationError` when the task is
    ///   cancelled while waiting, or whatever `body` throws.
    @discardableResult
    public func withConnection<Result>(
        file: String = #fileID,
        line: Int = #line,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await borrow(retryingStaleConnection: false, file: file, line: line, body)
    }

    /// Borrows a connection for `body`. With `retryingStaleConnection`,
    /// when the first statement fails because a previously used connection
    /// turned out to be dead (its backend was terminated or the server
    /// restarted while it sat in the pool), `body` runs again on another
    /// connection; each dead one is discarded, so after at most
    /// `maxConnections` retries a fresh connection is used. Only for bodies whose first statement is safe to
    /// repeat if, rarely, the server died just after executing it.
    func borrow<Result>(
        retryingStaleConnection: Bool,
        file: String,
        line: Int,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var retries = retryingStaleConnection ? configuration.maxConnections : 0
        while true {
            let pooled = try await acquire(file: file, line: line)
            let connection = PostgresConnection(driver: pooled.driver, tracesStatements: tracesStatements)
            let result: Swift.Result<Result, any Error>
            do {
                result = .success(try await body(connection))
            } catch {
                result = .failure(error)
            }
            connection.endBorrow()
            await release(pooled)
            if retries > 0, !pooled.isFresh, !connection.completedAnyStatement,
                case .failure(let error as PostgresError) = result, error.code == .connectionLost
            {
                retries -= 1
                logger.debug("retrying on another connection after a stale one failed", metadata: ["connection": "\(pooled.id)"])
                continue
            }
            return try result.get()
        }
    }

    /// Runs a read on a pooled connection and returns its rows.
    ///
    /// If the borrowed connection turns out to have died while it sat in
    /// the pool, `query` runs again on another connection: use it for
    /// statements that change nothing, and ``write(_:idempotent:file:line:)``
    /// for those that do.
    public func query(_ query: PostgresQuery, file: String = #fileID, line: Int = #line) async throws -> [PostgresRow] {
        try await borrow(retryingStaleConnection: true, file: file, line: line) { try await $0.query(query) }
    }

    /// Runs a statement that changes data (committing by itself) and
    /// returns the rows it returns.
    ///
    /// A statement whose connection breaks before it answers may have
    /// committed, so by default it is not run again: the caller gets
    /// ``PostgresError/Code/connectionLost`` and decides. Pass
    /// `idempotent: true` when running it twice changes nothing more than
    /// running it once (`INSERT … ON CONFLICT DO NOTHING`, `UPDATE … SET x =
    /// constant`), to retry on another connection like a read.
    public func write(_ query: PostgresQuery, idempotent: Bool = false,
                      file: String = #fileID, line: Int = #line) async throws -> [PostgresRow] {
        try await borrow(retryingStaleConnection: idempotent, file: file, line: line) { try await $0.query(query) }
    }

    /// Runs a statement that changes data and returns the number of rows
    /// it affected. Retried on a stale connection only when `idempotent`
    /// (see ``write(_:idempotent:file:line:)``).
    @discardableResult
    public func execute(_ query: PostgresQuery, idempotent: Bool = false,
                        file: String = #fileID, line: Int = #line) async throws -> Int {
        try await borrow(retryingStaleConnection: idempotent, file: file, line: line) { try await $0.execute(query) }
    }

    /// Runs `body` in a transaction on one pooled connection: commits when
    /// `body` returns, rolls back when it throws.
    ///
    /// - Parameters:
    ///   - isolation: The transaction's isolation level.
    ///   - retryOnSerializationFailure: How many times to run the whole
    ///     transaction again when it fails with a serialization failure
    ///     (40001) or a deadlock (40P01). `body` must then be safe to
    ///     repeat: it should only touch the database through the connection.
    @discardableResult
    public func withTransaction<Result>(
        isolation: PostgresIsolationLevel = .readCommitted,
        retryOnSerializationFailure: Int = 0,
        file: String = #fileID,
        line: Int = #line,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 0
        while true {
            do {
                // When `body` throws, returning the connection rolls back
                // (or discards it), before a retry borrows again.
                return try await borrow(retryingStaleConnection: true, file: file, line: line) { connection in
                    try await connection.executeScript("BEGIN ISOLATION LEVEL \(isolation.sql)")
                    let result = try await body(connection)
                    try await connection.executeScript("COMMIT")
                    return result
                }
            } catch let error as PostgresError where error.isTransient && attempt < retryOnSerializationFailure {
                attempt += 1
                logger.debug("retrying transaction", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                // A short random pause lets the conflicting transaction finish.
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...10) * attempt))
            }
        }
    }

    /// Sends a notification on `channel` (`pg_notify`, with both values
    /// bound as parameters).
    public func notify(channel: String, payload: String = "") async throws {
        try await execute("SELECT pg_notify(\(channel), \(payload))", idempotent: false)
    }

    /// Subscribes to notifications on `channel`.
    ///
    /// Notifications arrive on one connection dedicated to LISTEN, outside
    /// the pool's connection budget. If that connection drops, it is
    /// reopened and every channel listened to again; notifications sent
    /// while it was down are lost (PostgreSQL does not keep them). The
    /// sequence buffers up to 10 000 notifications for a slow consumer and
    /// then drops the oldest. It ends when the pool shuts down; to
    /// unsubscribe, stop iterating (or cancel the iterating task).
    ///
    /// Returns once the server is listening, so a notification sent after
    /// this returns is delivered.
    public func listen(channel: String) async throws -> AsyncStream<PostgresNotification> {
        try await notificationHub.subscribe(channel: channel)
    }
}
