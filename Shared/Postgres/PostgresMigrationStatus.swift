import Foundation

/// What a schema's migrations look like right now, and what could get in
/// their way: applied and pending migrations with their checksums, INVALID
/// indexes, locks on the schema's tables that matter, and long-running
/// transactions. What `<service> db-status` prints.
public struct PostgresMigrationStatus: Sendable, CustomStringConvertible {
    /// A migration recorded in the history table.
    public struct Applied: Sendable {
        public enum State: String, Sendable {
            /// The file matches what was applied.
            case applied
            /// The file changed after it was applied (the service refuses to start).
            case changed
            /// Not known to this binary: a newer release applied it.
            case unknown
        }

        public let version: Int
        public let name: String
        public let checksum: String
        public let appliedAt: String
        public let state: State
    }

    /// A migration this binary would apply.
    public struct Pending: Sendable {
        public let fileName: String
        public let checksum: String
        /// Whether it runs statement by statement (`-- migrate: no-transaction`).
        public let noTransaction: Bool
        /// Lint rules its header overrides.
        public let allowedRules: [String]
    }

    /// A lock on one of the schema's tables: one being waited for, one
    /// stronger than what reads and writes take, or one held by a long
    /// transaction.
    public struct Lock: Sendable {
        public let pid: Int
        public let table: String
        public let mode: String
        public let granted: Bool
        public let state: String
        /// Seconds since the holder's transaction (or query) started.
        public let seconds: Double
    }

    /// A session of the database busy (or idle in a transaction) for longer
    /// than the threshold.
    public struct LongQuery: Sendable {
        public let pid: Int
        public let state: String
        public let seconds: Double
        /// The start of the query text.
        public let query: String
    }

    public let schema: String
    public let historyTable: String
    public let applied: [Applied]
    public let pending: [Pending]
    public let invalidIndexes: [String]
    public let locks: [Lock]
    public let longQueries: [LongQuery]

    public var description: String {
        var lines = ["schema \(schema), history table \(historyTable):"]
        for migration in applied {
            let file = "\(String(format: "%04d", migration.version))_\(migration.name).sql"
            let note = switch migration.state {
            case .applied: ""
            case .changed: "  CHANGED since applied"
            case .unknown: "  unknown to this binary (applied by a newer release)"
            }
            lines.append("  applied  \(file)  \(migration.checksum.prefix(12))  \(migration.appliedAt)\(note)")
        }
        for migration in pending {
            var options = migration.noTransaction ? ["no-transaction"] : []
            options += migration.allowedRules.map { "allow \($0)" }
            let note = options.isEmpty ? "" : "  (\(options.joined(separator: ", ")))"
            lines.append("  pending  \(migration.fileName)  \(migration.checksum.prefix(12))\(note)")
        }
        if applied.isEmpty && pending.isEmpty { lines.append("  no migrations") }
        lines.append(invalidIndexes.isEmpty ? "invalid indexes: none"
            : "invalid indexes: \(invalidIndexes.joined(separator: ", ")) (rebuilt by the migration that builds them, else drop them)")
        lines.append(locks.isEmpty ? "locks on the schema's tables: none that block" : "locks on the schema's tables:")
        for lock in locks {
            lines.append("  pid \(lock.pid)  \(lock.table)  \(lock.mode)  \(lock.granted ? "held" : "WAITING")  "
                + "\(lock.state)  \(Int(lock.seconds)) s")
        }
        lines.append(longQueries.isEmpty ? "long transactions: none" : "long transactions:")
        for query in longQueries {
            lines.append("  pid \(query.pid)  \(query.state)  \(Int(query.seconds)) s  \(query.query)")
        }
        return lines.joined(separator: "\n")
    }

    static func invalidIndexes(in schema: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            """
            SELECT c.relname FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema) AND NOT i.indisvalid ORDER BY 1
            """
        ).map { try $0.decode(String.self) }
    }
}

extension PostgresMigrator {
    /// The status of this migrator's schema, read without changing anything.
    ///
    /// - Parameter longerThan: the age from which a transaction is listed
    ///   as long, and a granted ordinary lock is listed.
    public func status(on pool: PostgresPool, longerThan threshold: Duration = .seconds(5)) async throws
        -> PostgresMigrationStatus
    {
        let schema = schema(for: pool)
        let seconds = Double(threshold.components.seconds) + Double(threshold.components.attoseconds) / 1e18
        return try await pool.withConnection { connection in
            let history = "\(PostgresQuery.quoteIdentifier(schema)).\(PostgresQuery.quoteIdentifier(historyTable))"
            let exists = try await connection.query("SELECT to_regclass(\(history)) IS NOT NULL")[0].decode(Bool.self)
            var applied: [PostgresMigrationStatus.Applied] = []
            if exists {
                let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0.checksum) })
                for row in try await connection.query(
                    "SELECT version, name, checksum, applied_at::text FROM \(unescaped: history) ORDER BY version")
                {
                    let (version, name, checksum, appliedAt) = try row.decode((Int, String, String, String).self)
                    let state: PostgresMigrationStatus.Applied.State =
                        known[version].map { $0 == checksum ? .applied : .changed } ?? .unknown
                    applied.append(.init(version: version, name: name, checksum: checksum, appliedAt: appliedAt, state: state))
                }
            }
            let appliedVersions = Set(applied.map(\.version))
            let pending = plans.filter { !appliedVersions.contains($0.migration.version) }.map { plan in
                PostgresMigrationStatus.Pending(fileName: plan.migration.fileName, checksum: plan.migration.checksum,
                                                noTransaction: !plan.transactional,
                                                allowedRules: plan.allowedRules.map(\.rawValue).sorted())
            }
            let locks = try await connection.query(
                """
                SELECT l.pid, c.relname, l.mode, l.granted, coalesce(a.state, ''),
                       coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::float8, 0)
                FROM pg_locks l
                JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'p') AND l.pid <> pg_backend_pid()
                  AND (NOT l.granted OR l.mode NOT IN ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock')
                       OR now() - coalesce(a.xact_start, a.query_start) > make_interval(secs => \(seconds)))
                ORDER BY l.granted, l.pid
                """
            ).map { row in
                let (pid, table, mode, granted, state, age) = try row.decode((Int, String, String, Bool, String, Double).self)
                return PostgresMigrationStatus.Lock(pid: pid, table: table, mode: mode, granted: granted, state: state,
                                                    seconds: age)
            }
            let longQueries = try await connection.query(
                """
                SELECT pid, state, extract(epoch FROM now() - coalesce(xact_start, query_start))::float8,
                       left(regexp_replace(query, '\\s+', ' ', 'g'), 100)
                FROM pg_stat_activity
                WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()
                  AND now() - coalesce(xact_start, query_start) > make_interval(secs => \(seconds))
                ORDER BY 3 DESC
                """
            ).map { row in
                let (pid, state, age, query) = try row.decode((Int, String, Double, String).self)
                return PostgresMigrationStatus.LongQuery(pid: pid, state: state, seconds: age, query: query)
            }
            return PostgresMigrationStatus(
                schema: schema, historyTable: historyTable, applied: applied, pending: pending,
                invalidIndexes: try await PostgresMigrationStatus.invalidIndexes(in: schema, on: connection),
                locks: locks, longQueries: longQueries)
        }
    }
}
