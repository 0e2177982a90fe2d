import Foundation
import Postgres
import Testing

extension PostgresTests {
    @Suite struct Migrations {
        /// Runs `body` with a fresh schema owned by the catalog role, and a
        /// configuration whose search_path starts with it.
        static func withScratchSchema(_ body: (PostgresConfiguration) async throws -> Void) async throws {
            let schema = "mig_\(UUID().uuidString.prefix(8).lowercased())"
            try await TestDatabase.withAdmin { admin in
                try await admin.execute("CREATE SCHEMA \(identifier: schema) AUTHORIZATION catalog")
                do {
                    try await body(try TestDatabase.configuration(schema: schema))
                } catch {
                    try await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
                    throw error
                }
                try await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            }
        }

        static let migrations = [
            PostgresMigration(version: 1, name: "create_products", sql: """
                CREATE TABLE products (id bigserial PRIMARY KEY, name text NOT NULL);
                CREATE TABLE runs (version int NOT NULL);
                INSERT INTO runs VALUES (1);
                """),
            PostgresMigration(version: 2, name: "slow_step", sql: """
                SELECT pg_sleep(0.3);
                ALTER TABLE products ADD COLUMN price_cents bigint NOT NULL DEFAULT 0;
                INSERT INTO runs VALUES (2);
                """),
            PostgresMigration(version: 3, name: "index", sql: """
                -- migrate: no-transaction
                CREATE INDEX CONCURRENTLY IF NOT EXISTS products_name_idx ON products (name);
                INSERT INTO runs VALUES (3);
                """),
        ]

        @Test func concurrentRunnersApplyEachMigrationExactlyOnce() async throws {
            try await Self.withScratchSchema { configuration in
                let migrator = try PostgresMigrator(migrations: Self.migrations.reversed())
                try await TestDatabase.withPool(configuration) { first in
                    try await TestDatabase.withPool(configuration) { second in
                        async let a = migrator.run(on: first)
                        async let b = migrator.run(on: second)
                        let (appliedA, appliedB) = try await (a, b)
                        #expect(appliedA.count + appliedB.count == 3)
                        #expect(Set(appliedA.map(\.version)).isDisjoint(with: appliedB.map(\.version)))

                        let runs = try await first.query("SELECT version, count(*) AS n FROM runs GROUP BY version ORDER BY version")
                        #expect(try runs.map { try $0.decode((Int32, Int).self) }.map { "\($0.0):\($0.1)" } == ["1:1", "2:1", "3:1"])
                        let recorded = try await first.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
                        #expect(recorded.count == 3)
                        #expect(try recorded[0].decode(String.self, column: "name") == "create_products")
                        #expect(try recorded[0].decode(String.self, column: "checksum") == Self.migrations[0].checksum)
                        // The tables landed in the service's schema, not in public
                        // (other suites' schemas may hold tables of that name too).
                        let schema = try await first.query("""
                            SELECT table_schema FROM information_schema.tables
                            WHERE table_name = 'products' AND table_schema IN (\(configuration.schema ?? ""), 'public')
                            """)
                        #expect(try schema.map { try $0.decode(String.self, at: 0) } == [configuration.schema])
                        // Running again applies nothing.
                        #expect(try await migrator.run(on: first).isEmpty)
                    }
                }
            }
        }

        @Test func aChangedAppliedMigrationIsRefusedNamingTheFile() async throws {
            try await Self.withScratchSchema { configuration in
                try await TestDatabase.withPool(configuration) { pool in
                    try await PostgresMigrator(migrations: [Self.migrations[0]]).run(on: pool)
                    let edited = PostgresMigration(version: 1, name: "create_products", sql: Self.migrations[0].sql + "\n-- edited")
                    let error = await #expect(throws: PostgresMigrationError.self) {
                        try await PostgresMigrator(migrations: [edited, Self.migrations[1]]).run(on: pool)
                    }
                    guard case .checksumMismatch(let file) = error else {
                        Issue.record("expected checksumMismatch, got \(String(describing: error))")
                        return
                    }
                    #expect(file == "0001_create_products.sql")
                    #expect("\(error!)".contains("0001_create_products.sql"))
                    // Nothing after the refused file was applied.
                    let count = try await pool.query("SELECT count(*) FROM schema_migrations")
                    #expect(try count[0].decode(Int.self, at: 0) == 1)
                }
            }
        }

        @Test func aFailingMigrationIsRolledBackAndNamed() async throws {
            try await Self.withScratchSchema { configuration in
                try await TestDatabase.withPool(configuration) { pool in
                    let broken = PostgresMigration(version: 2, name: "broken", sql: "CREATE TABLE half (id int); SELECT * FROM missing_table;")
                    let error = await #expect(throws: PostgresMigrationError.self) {
                        try await PostgresMigrator(migrations: [Self.migrations[0], broken]).run(on: pool)
                    }
                    guard case .failed(let file, let line, let cause) = error else {
                        Issue.record("expected failed, got \(String(describing: error))")
                        return
                    }
                    #expect(file == "0002_broken.sql" && line == 1 && cause.code == .other(sqlState: "42P01"))
                    let half = try await pool.query("SELECT to_regclass('half') IS NULL AS gone")
                    #expect(try half[0].decode(Bool.self, at: 0))
                    let applied = try await pool.query("SELECT version FROM schema_migrations")
                    #expect(try applied.map { try $0.decode(Int.self, at: 0) } == [1])
                }
            }
        }

        @Test func migrationsLoadFromADirectoryInVersionOrder() throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try "SELECT 2;".write(to: directory.appendingPathComponent("0002_second.sql"), atomically: true, encoding: .utf8)
            try "SELECT 1;".write(to: directory.appendingPathComponent("0001_first.sql"), atomically: true, encoding: .utf8)
            try "not a migration".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
            let loaded = try PostgresMigration.load(from: directory)
            #expect(loaded.map(\.fileName) == ["0001_first.sql", "0002_second.sql"])
            #expect(loaded[0].sql == "SELECT 1;")

            try "SELECT 3;".write(to: directory.appendingPathComponent("third.sql"), atomically: true, encoding: .utf8)
            let badName = #expect(throws: PostgresMigrationError.self) { try PostgresMigration.load(from: directory) }
            guard case .invalidFileName("third.sql") = badName else {
                Issue.record("expected invalidFileName(third.sql), got \(String(describing: badName))")
                return
            }
            let duplicate = #expect(throws: PostgresMigrationError.self) {
                try PostgresMigrator(migrations: [loaded[0], PostgresMigration(version: 1, name: "again", sql: "")])
            }
            guard case .duplicateVersion(let first, let second) = duplicate else {
                Issue.record("expected duplicateVersion, got \(String(describing: duplicate))")
                return
            }
            #expect(Set([first, second]) == ["0001_first.sql", "0001_again.sql"])
        }

        @Test func checksumsAreSHA256OfTheSQLText() {
            #expect(PostgresMigration(version: 1, name: "x", sql: "").checksum == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(PostgresMigration(version: 1, name: "x", sql: "abc").checksum == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            let long = String(repeating: "a", count: 1_000)
            #expect(PostgresMigration(version: 1, name: "x", sql: long).checksum == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        }
    }
}
