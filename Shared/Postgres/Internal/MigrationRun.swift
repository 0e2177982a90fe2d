import Logging

/// Applies migration plans on one connection holding the schema's
/// migration lock: the statements under the lock and statement timeouts,
/// retries of a statement whose lock could not be had, and the rebuild of
/// an index an interrupted concurrent build left INVALID.
struct MigrationRun {
    let connection: PostgresConnection
    let schema: String
    let historyTable: String
    let limits: PostgresMigrator.Limits
    let logger: Logger

    private var quotedSchema: String { PostgresQuery.quoteIdentifier(schema) }
    private var table: String { "\(quotedSchema).\(PostgresQuery.quoteIdentifier(historyTable))" }

    func createHistoryTable() async throws {
        try await connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS \(table) (
                version bigint PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
    }

    func appliedChecksums() async throws -> [Int: String] {
        var checksums: [Int: String] = [:]
        for row in try await connection.query("SELECT version, checksum FROM \(unescaped: table)") {
            let (version, checksum) = try row.decode((Int, String).self)
            checksums[version] = checksum
        }
        return checksums
    }

    /// Logs every INVALID index in the schema: one a pending migration
    /// builds is rebuilt by it; any other needs a person.
    func warnAboutInvalidIndexes() async throws {
        for index in try await PostgresMigrationStatus.invalidIndexes(in: schema, on: connection) {
            logger.warning("invalid index in schema (left by an interrupted concurrent build)", metadata: [
                "schema": "\(schema)", "index": "\(index)",
            ])
        }
    }

    /// Runs `plan` and its record in one transaction, again from the start
    /// after a lock timeout.
    func applyInTransaction(_ plan: MigrationPlan) async throws {
        try await withLockRetries(plan) { attempt in
            var current: SQLScript.Statement?
            do {
                try await connection.executeScript(
                    "BEGIN; SET LOCAL search_path TO \(quotedSchema), public; " + timeoutSettings(local: true))
                for statement in plan.statements {
                    current = statement
                    try await connection.executeScript(statement.text)
                }
                current = nil
                try await record(plan.migration)
                try await connection.executeScript("COMMIT")
            } catch {
                try? await connection.executeScript("ROLLBACK")
                throw StatementFailure(statement: current, error: error)
            }
        }
    }

    /// Runs each statement of `plan` on its own; one whose lock could not be
    /// had is retried alone (those before it are committed). The record
    /// follows the last statement.
    func applyStatementByStatement(_ plan: MigrationPlan) async throws {
        // Without a lock timeout, a concurrent index build waits for old
        // transactions as long as they last; checking the client socket
        // ends the wait of a migrator that was killed (PostgreSQL 14+).
        try await connection.executeScript("SET search_path TO \(quotedSchema), public; " + timeoutSettings(local: false)
            + "; SELECT set_config('client_connection_check_interval', '1000', false) "
            + "WHERE current_setting('server_version_num')::int >= 140000")
        do {
            for statement in plan.statements {
                try await withLockRetries(plan) { _ in
                    do {
                        try await run(concurrent: statement)
                    } catch {
                        throw StatementFailure(statement: statement, error: error)
                    }
                }
            }
            try await record(plan.migration)
        } catch {
            try? await connection.executeScript(Self.resetSessionSettings)
            throw error
        }
        try await connection.executeScript(Self.resetSessionSettings)
    }

    /// Runs a statement outside a transaction. A concurrent index build
    /// first drops what an interrupted build of the same index left INVALID
    /// (IF NOT EXISTS would keep it), and waits for transactions without a
    /// lock timeout.
    private func run(concurrent statement: SQLScript.Statement) async throws {
        guard statement.isConcurrent else {
            try await connection.executeScript(statement.text)
            return
        }
        // Each alone: a multi-statement string is one transaction, which
        // CONCURRENTLY refuses.
        try await connection.executeScript("SET lock_timeout = 0")
        do {
            if let index = statement.concurrentIndexName, try await isInvalid(index: index) {
                logger.warning("rebuilding an index an interrupted build left INVALID", metadata: [
                    "schema": "\(schema)", "index": "\(index)",
                ])
                try await connection.executeScript(
                    "DROP INDEX CONCURRENTLY IF EXISTS \(quotedSchema).\(PostgresQuery.quoteIdentifier(index))")
            }
            try await connection.executeScript(statement.text)
        } catch {
            try? await connection.executeScript("SET lock_timeout = \(Self.milliseconds(limits.lockTimeout))")
            throw error
        }
        try await connection.executeScript("SET lock_timeout = \(Self.milliseconds(limits.lockTimeout))")
    }

    private func isInvalid(index: String) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT NOT i.indisvalid FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND c.relname = \(index)
            """)
        return try rows.first?.decode(Bool.self) ?? false
    }

    private func record(_ migration: PostgresMigration) async throws {
        try await connection.execute(
            """
            INSERT INTO \(unescaped: table) (version, name, checksum)
            VALUES (\(migration.version), \(migration.name), \(migration.checksum))
            """
        )
    }

    private static let resetSessionSettings = """
        RESET search_path; RESET lock_timeout; RESET statement_timeout;
        SELECT set_config('client_connection_check_interval', '0', false)
        WHERE current_setting('server_version_num')::int >= 140000
        """

    private func timeoutSettings(local: Bool) -> String {
        let set = local ? "SET LOCAL" : "SET"
        return "\(set) lock_timeout = \(Self.milliseconds(limits.lockTimeout)); "
            + "\(set) statement_timeout = \(Self.milliseconds(limits.statementTimeout))"
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// A statement (nil: the migration's record or transaction control)
    /// failed with `error`.
    private struct StatementFailure: Error {
        let statement: SQLScript.Statement?
        let error: any Error
    }

    /// Runs `attempt` until it does not fail for a lock timeout, backing
    /// off between attempts and naming the busy table and its holders.
    private func withLockRetries(_ plan: MigrationPlan, _ attempt: (Int) async throws -> Void) async throws {
        var delay = limits.retryDelay
        for number in 1... {
            do {
                try await attempt(number)
                return
            } catch let failure as StatementFailure {
                let file = plan.migration.fileName
                guard let error = failure.error as? PostgresError else { throw failure.error }
                guard error.sqlState == "55P03" else {
                    throw PostgresMigrationError.failed(file: file, line: failure.statement?.line, error)
                }
                let table = failure.statement?.targetTable ?? "?"
                let holders = (try? await lockHolders(of: table)) ?? []
                guard number < limits.lockAttempts else {
                    throw PostgresMigrationError.lockTimeout(file: file, line: failure.statement?.line ?? 0,
                                                             table: table, attempts: number)
                }
                logger.warning("migration could not lock a busy table in time; retrying", metadata: [
                    "file": "\(file)", "line": "\(failure.statement?.line ?? 0)", "table": "\(table)",
                    "lock_timeout_ms": "\(Self.milliseconds(limits.lockTimeout))", "attempt": "\(number)",
                    "retry_in": "\(delay)", "held_by": "\(holders.joined(separator: "; "))",
                ])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    /// The sessions holding a lock on `table` in the schema, described for
    /// the log (pid, state, transaction age; no query text: it may hold values).
    private func lockHolders(of table: String) async throws -> [String] {
        let rows = try await connection.query(
            """
            SELECT DISTINCT a.pid, coalesce(a.state, ''), coalesce(extract(epoch FROM now() - a.xact_start)::float8, 0)
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.relation = to_regclass(quote_ident(\(schema)) || '.' || quote_ident(\(table)))
              AND l.granted AND l.pid <> pg_backend_pid()
            """)
        return try rows.map { row in
            let (pid, state, age) = try row.decode((Int, String, Double).self)
            return "pid \(pid) (\(state), transaction open \(Int(age)) s)"
        }
    }
}
