internal import LibPQ

extension ConnectionDriver {
    /// Runs `query` as a prepared statement, preparing it on first use on
    /// this connection, and returns its single result. Server errors are
    /// thrown as ``PostgresError``.
    func execute(_ query: PostgresQuery) async throws -> PQResult {
        let key = StatementCache.Key(sql: query.sql, parameterTypes: query.bindings.parameters.types)
        let cached = withStatementCache { $0.lookup(key) }
        let name: String
        if let cached {
            name = cached
        } else {
            name = try await prepare(key)
        }
        let results = try await run(.executePrepared(name: name, parameters: query.bindings.parameters))
        if case .error(let error) = results.first?.status, error.invalidatesPreparedStatement {
            // The server no longer has the statement (DISCARD, DEALLOCATE) or
            // its result type changed (DDL, such as a migration adding a
            // column under a running service): prepare it afresh. It failed
            // before running, so outside a transaction block nothing
            // happened and it runs again at once; inside one, the
            // transaction is aborted and the caller gets the error.
            withStatementCache { $0.remove(key) }
            if cached != nil, transactionStatus == .idle {
                let fresh = try await prepare(key)
                return try Self.single(try await run(.executePrepared(name: fresh, parameters: query.bindings.parameters)),
                                       sql: query.sql)
            }
        }
        return try Self.single(results, sql: query.sql)
    }

    private func prepare(_ key: StatementCache.Key) async throws -> String {
        let name = withStatementCache { $0.makeName() }
        let results = try await run(.prepare(name: name, sql: key.sql, parameterTypes: key.parameterTypes))
        _ = try Self.single(results, sql: key.sql)
        if let evicted = withStatementCache({ $0.insert(key, name: name) }) {
            // Inside a failed transaction this fails too; the statement then
            // lives until the connection closes, which is harmless.
            _ = try await run(.simpleQuery("DEALLOCATE \(evicted)"))
        }
        return name
    }

    /// Runs simple-protocol `sql` (one or more statements, no parameters)
    /// and throws the first error among its results.
    @discardableResult
    func simpleQuery(_ sql: String, cancellable: Bool = true) async throws -> [PQResult] {
        let results = try await run(.simpleQuery(sql), cancellable: cancellable)
        for result in results {
            try Self.check(result, sql: sql)
        }
        return results
    }

    /// Whether the connection answers an empty statement.
    func ping() async -> Bool {
        guard let results = try? await run(.simpleQuery(""), cancellable: false) else { return false }
        return results.allSatisfy { $0.status == .emptyQuery }
    }

    private static func single(_ results: [PQResult], sql: String) throws -> PQResult {
        guard let result = results.first else {
            throw PostgresError(code: .connectionLost, serverMessage: "no result", sql: sql)
        }
        try check(result, sql: sql)
        return result
    }

    private static func check(_ result: PQResult, sql: String) throws {
        switch result.status {
        case .commandOK, .tuplesOK, .emptyQuery:
            return
        case .error(let error):
            throw PostgresError(error, sql: sql)
        case .unsupported(let status):
            throw PostgresError(code: .invalidUsage, serverMessage: "unsupported result \(status) (COPY is not supported)", sql: sql)
        }
    }
}

extension PQServerError {
    /// 26000: the statement is gone. 0A000 from the plan cache's
    /// revalidation: "cached plan must not change result type", recognized
    /// by its source function because the message may be translated.
    fileprivate var invalidatesPreparedStatement: Bool {
        sqlState == "26000" || (sqlState == "0A000" && sourceFunction == "RevalidateCachedQuery")
    }
}

extension PostgresError {
    /// An error the server reported for `sql`.
    init(_ error: PQServerError, sql: String?) {
        self.init(
            code: Code(sqlState: error.sqlState),
            sqlState: error.sqlState,
            constraint: error.constraintName,
            schema: error.schemaName,
            table: error.tableName,
            column: error.columnName,
            serverMessage: error.message,
            sql: sql
        )
    }
}
