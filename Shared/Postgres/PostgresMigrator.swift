import Logging

/// Applies a service's migrations to its schema, safely while the service
/// runs.
///
/// - **Recorded once**: each migration is recorded in
///   `<schema>.<historyTable>` (version, name, SHA-256 checksum, time). An
///   applied migration whose file changed is refused. A session-level
///   `pg_advisory_lock`, keyed by the schema, makes replicas that start
///   together take turns: the second finds the work done.
/// - **All or nothing**: a migration runs in one transaction with its
///   record, unless its header says `-- migrate: no-transaction` (for
///   `CREATE INDEX CONCURRENTLY`); then each statement commits on its own and
///   the record follows the last, so an interrupted one runs again from the
///   start. An index such a run left INVALID is dropped and built again.
/// - **Never a long lock**: every statement runs under `lock_timeout` and
///   `statement_timeout` (``Limits``). A statement that cannot get its lock in
///   time gives up, so live queries queue behind it for at most the lock
///   timeout, and is retried after a backoff; the log names the busy table
///   and the sessions holding it. Concurrent index builds and drops are
///   exempt from the lock timeout: they wait for transactions without
///   blocking reads or writes.
/// - **Linted**: a migration that would lock an existing table for a scan or
///   rewrite is refused before anything runs, with the line and the safe
///   alternative (see ``init(migrations:schema:historyTable:lintedFrom:limits:)``).
///
/// It runs as whatever role the pool connects as, normally the service's
/// own, which owns its schema.
public struct PostgresMigrator: Sendable {
    /// How long migration statements may wait and run.
    public struct Limits: Sendable, Hashable {
        /// How long a statement may wait for a lock before giving up (and
        /// so how long live queries may queue behind it).
        public var lockTimeout: Duration
        /// How long one statement may run.
        public var statementTimeout: Duration
        /// Attempts at a statement whose lock could not be had, before the
        /// migration fails with ``PostgresMigrationError/lockTimeout(file:line:table:attempts:)``.
        public var lockAttempts: Int
        /// The wait before the second attempt; doubled after each, up to 10 s.
        public var retryDelay: Duration

        public init(lockTimeout: Duration = .seconds(2), statementTimeout: Duration = .seconds(600),
                    lockAttempts: Int = 10, retryDelay: Duration = .milliseconds(500)) {
            self.lockTimeout = lockTimeout
            self.statementTimeout = statementTimeout
            self.lockAttempts = max(1, lockAttempts)
            self.retryDelay = retryDelay
        }
    }

    /// The migrations, in version order.
    public let migrations: [PostgresMigration]
    /// The schema migrated; nil means the pool configuration's schema.
    public let schema: String?
    /// The table in `schema` recording what was applied. A second set of
    /// migrations with its own versions (a library's tables beside the
    /// service's) keeps its own history table.
    public let historyTable: String
    public let limits: Limits
    let plans: [MigrationPlan]
    /// Lint findings that migrations' headers allow, by migration version.
    let allowedFindings: [Int: [MigrationLint.Finding]]

    /// Parses and lints `migrations`.
    ///
    /// - Parameter lintedFrom: the first version the lint judges. Earlier
    ///   migrations predate the lint: they were applied by installs that had
    ///   them, so they can no longer be changed (their checksums are
    ///   recorded); they are only read for the tables and constraints they
    ///   create.
    /// - Throws: ``PostgresMigrationError/duplicateVersion(_:_:)``,
    ///   ``PostgresMigrationError/invalidScript(file:line:_:)`` for a bad
    ///   `-- migrate:` header or an unterminated quote, and
    ///   ``PostgresMigrationError/unsafe(file:_:)`` for a dangerous step
    ///   its header does not allow.
    public init(migrations: [PostgresMigration], schema: String? = nil, historyTable: String = "schema_migrations",
                lintedFrom: Int = 1, limits: Limits = Limits()) throws(PostgresMigrationError) {
        self.migrations = try PostgresMigration.sorted(migrations)
        self.schema = schema
        self.historyTable = historyTable
        self.limits = limits
        var plans: [MigrationPlan] = []
        var lint = MigrationLint()
        var allowed: [Int: [MigrationLint.Finding]] = [:]
        for migration in self.migrations {
            let plan = try MigrationPlan(migration)
            let findings = lint.check(plan)
            plans.append(plan)
            guard migration.version >= lintedFrom else { continue }
            let refused = findings.filter { !plan.allowedRules.contains($0.rule) }
            if !refused.isEmpty {
                throw .unsafe(file: migration.fileName, refused.map {
                    "line \($0.line): \($0.message) (rule \($0.rule.rawValue); a \"-- migrate: allow \($0.rule.rawValue)\" "
                        + "header line accepts it)"
                })
            }
            allowed[migration.version] = findings.isEmpty ? nil : findings
        }
        self.plans = plans
        self.allowedFindings = allowed
    }

    /// The schema this migrator works on with `pool`.
    func schema(for pool: PostgresPool) -> String {
        schema ?? pool.configuration.schema ?? "public"
    }

    /// Applies the migrations not applied yet, in order, and returns them.
    ///
    /// - Throws: ``PostgresMigrationError/checksumMismatch(file:)`` if an
    ///   applied migration's SQL changed (nothing is applied then),
    ///   ``PostgresMigrationError/failed(file:line:_:)`` if a migration fails
    ///   (earlier ones stay applied),
    ///   ``PostgresMigrationError/lockTimeout(file:line:table:attempts:)``, or
    ///   a ``PostgresError``.
    @discardableResult
    public func run(on pool: PostgresPool) async throws -> [PostgresMigration] {
        let schema = schema(for: pool)
        let lockKey = Self.advisoryLockKey(schema: schema)
        return try await pool.withConnection { connection in
            // Polled rather than waited for: a session waiting in
            // pg_advisory_lock is a running transaction, which another
            // replica's CREATE INDEX CONCURRENTLY would wait for in turn.
            while try await !connection.query("SELECT pg_try_advisory_lock(\(lockKey))")[0].decode(Bool.self) {
                try await Task.sleep(for: .milliseconds(100))
            }
            do {
                let run = MigrationRun(connection: connection, schema: schema, historyTable: historyTable,
                                       limits: limits, logger: pool.logger)
                let applied = try await migrate(run)
                try await Self.unlock(connection, lockKey)
                return applied
            } catch {
                // If this fails too, closing the connection releases the lock.
                try? await Self.unlock(connection, lockKey)
                throw error
            }
        }
    }

    private func migrate(_ run: MigrationRun) async throws -> [PostgresMigration] {
        try await run.createHistoryTable()
        let appliedChecksums = try await run.appliedChecksums()
        // Verify everything before applying anything. Versions recorded but
        // unknown here are left alone: during a rolling deploy an older
        // replica may start after a newer one migrated.
        for migration in migrations {
            if let checksum = appliedChecksums[migration.version], checksum != migration.checksum {
                throw PostgresMigrationError.checksumMismatch(file: migration.fileName)
            }
        }
        try await run.warnAboutInvalidIndexes()

        var applied: [PostgresMigration] = []
        for plan in plans where appliedChecksums[plan.migration.version] == nil {
            for finding in allowedFindings[plan.migration.version] ?? [] {
                run.logger.warning("migration overrides a lint rule", metadata: [
                    "file": "\(plan.migration.fileName)", "line": "\(finding.line)", "rule": "\(finding.rule.rawValue)",
                ])
            }
            if plan.transactional {
                try await run.applyInTransaction(plan)
            } else {
                try await run.applyStatementByStatement(plan)
            }
            run.logger.info("applied migration", metadata: ["file": "\(plan.migration.fileName)", "schema": "\(run.schema)"])
            applied.append(plan.migration)
        }
        return applied
    }

    private static func unlock(_ connection: PostgresConnection, _ key: Int64) async throws {
        _ = try await connection.query("SELECT pg_advisory_unlock(\(key))")
    }

    /// A lock key unique to the schema's migrations: the first 8 bytes of
    /// SHA-256("schema_migrations:" + schema).
    static func advisoryLockKey(schema: String) -> Int64 {
        let digest = SHA256.hash(Array("schema_migrations:\(schema)".utf8))
        return digest.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
}
