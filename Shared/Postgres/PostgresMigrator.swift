import Logging

/// Applies a service's migrations to its schema.
///
/// Each pending migration runs in its own transaction together with its
/// record in `<schema>.<historyTable>` (version, name, SHA-256 checksum,
/// time), so a migration is applied completely and recorded, or not at
/// all. A session-level `pg_advisory_lock`, keyed by the schema, makes
/// replicas that start together take turns: the second finds the work done.
///
/// It runs as whatever role the pool connects as, normally the service's
/// own, which owns its schema.
public struct PostgresMigrator: Sendable {
    /// The migrations, in version order.
    public let migrations: [PostgresMigration]
    /// The schema migrated; nil means the pool configuration's schema.
    public let schema: String?
    /// The table in `schema` recording what was applied. A second set of
    /// migrations with its own versions (a library's tables beside the
    /// service's) keeps its own history table.
    public let historyTable: String

    /// - Throws: ``PostgresMigrationError/duplicateVersion(_:_:)`` when two
    ///   migrations share a version.
    public init(migrations: [PostgresMigration], schema: String? = nil,
                historyTable: String = "schema_migrations") throws(PostgresMigrationError) {
        self.migrations = try PostgresMigration.sorted(migrations)
        self.schema = schema
        self.historyTable = historyTable
    }

    /// Applies the migrations not applied yet, in order, and returns them.
    ///
    /// - Throws: ``PostgresMigrationError/checksumMismatch(file:)`` if an
    ///   applied migration's SQL changed (nothing is applied then),
    ///   ``PostgresMigrationError/failed(file:_:)`` if a migration fails
    ///   (earlier ones stay applied), or a ``PostgresError``.
    @discardableResult
    public func run(on pool: PostgresPool) async throws -> [PostgresMigration] {
        let schema = self.schema ?? pool.configuration.schema ?? "public"
        let lockKey = Self.advisoryLockKey(schema: schema)
        let table = "\(PostgresQuery.quoteIdentifier(schema)).\(PostgresQuery.quoteIdentifier(historyTable))"
        return try await pool.withConnection { connection in
            _ = try await connection.query("SELECT pg_advisory_lock(\(lockKey))")
            do {
                let applied = try await migrate(connection, schema: schema, table: table, logger: pool.logger)
                try await Self.unlock(connection, lockKey)
                return applied
            } catch {
                // If this fails too, closing the connection releases the lock.
                try? await Self.unlock(connection, lockKey)
                throw error
            }
        }
    }

    private func migrate(
        _ connection: PostgresConnection,
        schema: String,
        table: String,
        logger: Logger
    ) async throws -> [PostgresMigration] {
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
        let rows = try await connection.query("SELECT version, checksum FROM \(unescaped: table)")
        var appliedChecksums: [Int: String] = [:]
        for row in rows {
            let (version, checksum) = try row.decode((Int, String).self)
            appliedChecksums[version] = checksum
        }
        // Verify everything before applying anything. Versions recorded but
        // unknown here are left alone: during a rolling deploy an older
        // replica may start after a newer one migrated.
        for migration in migrations {
            if let checksum = appliedChecksums[migration.version], checksum != migration.checksum {
                throw PostgresMigrationError.checksumMismatch(file: migration.fileName)
            }
        }

        var applied: [PostgresMigration] = []
        for migration in migrations where appliedChecksums[migration.version] == nil {
            do {
                try await connection.executeScript(
                    "BEGIN; SET LOCAL search_path TO \(PostgresQuery.quoteIdentifier(schema)), public"
                )
                try await connection.executeScript(migration.sql)
                try await connection.execute(
                    """
                    INSERT INTO \(unescaped: table) (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """
                )
                try await connection.executeScript("COMMIT")
            } catch let error as PostgresError {
                try? await connection.executeScript("ROLLBACK")
                throw PostgresMigrationError.failed(file: migration.fileName, error)
            }
            logger.info("applied migration", metadata: ["file": "\(migration.fileName)", "schema": "\(schema)"])
            applied.append(migration)
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
