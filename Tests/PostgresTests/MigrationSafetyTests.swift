import Foundation
import Postgres
import Synchronization
import Testing

extension PostgresTests {
    /// The migration runner's safety rules: the lint, `no-transaction`
    /// migrations, lock timeouts with retries, and interrupted index builds.
    @Suite(.timeLimit(.minutes(3))) struct MigrationSafety {
        static let create = PostgresMigration(version: 1, name: "create", sql: """
            CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL, price bigint);
            CREATE TABLE categories (id bigint PRIMARY KEY);
            """)

        /// The refusal of `sql` as migration 2, after `create`.
        static func refusal(_ sql: String, after earlier: [PostgresMigration] = []) -> [String] {
            let migration = PostgresMigration(version: 2 + earlier.count, name: "change", sql: sql)
            do {
                _ = try PostgresMigrator(migrations: [create] + earlier + [migration])
                return []
            } catch {
                guard case .unsafe(let file, let findings) = error else {
                    Issue.record("expected unsafe, got \(error)")
                    return []
                }
                #expect(file == migration.fileName)
                return findings
            }
        }

        @Test(arguments: [
            ("SELECT 1;\nCREATE INDEX products_name_idx ON products (name);", 2, "index-without-concurrently",
             "CREATE INDEX on existing table \"products\" blocks writes to it while the index builds; use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a migration marked \"-- migrate: no-transaction\""),
            ("CREATE UNIQUE INDEX ON public.products (name);", 1, "index-without-concurrently", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS"),
            ("ALTER TABLE products ADD COLUMN token uuid DEFAULT gen_random_uuid();", 1, "volatile-default",
             "adding column \"token\" to existing table \"products\" with the volatile default gen_random_uuid() rewrites every row under an ACCESS EXCLUSIVE lock; add the column without a default (or with a constant one), backfill it in batches, then SET DEFAULT"),
            ("ALTER TABLE products ADD COLUMN seq bigserial;", 1, "volatile-default", "as bigserial rewrites every row"),
            ("ALTER TABLE products ADD COLUMN total bigint GENERATED ALWAYS AS (price * 2) STORED;", 1, "volatile-default",
             "as a stored generated or identity column"),
            ("ALTER TABLE products ALTER COLUMN price TYPE numeric;", 1, "alter-column-type",
             "ALTER COLUMN \"price\" TYPE on existing table \"products\" rewrites the table under an ACCESS EXCLUSIVE lock; add a new column, backfill it in batches and switch readers to it (expand, then contract)"),
            ("ALTER TABLE products ALTER price SET DATA TYPE numeric;", 1, "alter-column-type", "ALTER COLUMN \"price\" TYPE"),
            ("ALTER TABLE products ALTER COLUMN price SET NOT NULL;", 1, "set-not-null",
             "SET NOT NULL on \"products\".\"price\" scans the whole table under an ACCESS EXCLUSIVE lock; first ADD CONSTRAINT … CHECK (price IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT in a later migration, then SET NOT NULL"),
            ("ALTER TABLE products ADD COLUMN category_id bigint,\n  ADD CONSTRAINT products_category_fk FOREIGN KEY (category_id) REFERENCES categories (id);", 1,
             "foreign-key-without-not-valid",
             "adding a foreign key to existing table \"products\" checks every row while locking both tables; ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT in a later migration"),
            ("ALTER TABLE products ADD COLUMN category_id bigint REFERENCES categories (id);", 1, "foreign-key-without-not-valid", "FOREIGN KEY … NOT VALID"),
            ("ALTER TABLE products ADD CONSTRAINT positive CHECK (price > 0);", 1, "check-without-not-valid",
             "CHECK (…) NOT VALID, then VALIDATE CONSTRAINT"),
            ("ALTER TABLE products ADD CONSTRAINT products_name_key UNIQUE (name);", 1, "unique-without-index",
             "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX"),
            ("CREATE INDEX CONCURRENTLY IF NOT EXISTS products_name_idx ON products (name);", 1, "concurrently-in-transaction",
             "CREATE INDEX CONCURRENTLY cannot run inside a transaction; mark the migration \"-- migrate: no-transaction\""),
            ("-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY ON products (name);", 2, "not-rerunnable",
             "CREATE INDEX CONCURRENTLY needs a name and IF NOT EXISTS"),
        ])
        func theLintRefusesEachDangerousStepNamingTheLineAndTheAlternative(
            sql: String, line: Int, rule: String, message: String
        ) {
            let findings = Self.refusal(sql)
            #expect(findings.count == 1, "\(findings)")
            let finding = findings.first ?? ""
            #expect(finding.hasPrefix("line \(line): "), "\(finding)")
            #expect(finding.contains(message), "\(finding)")
            #expect(finding.hasSuffix("(rule \(rule); a \"-- migrate: allow \(rule)\" header line accepts it)"), "\(finding)")
        }

        @Test func theSafeAlternativesPass() {
            // Everything on a table created in the same migration.
            #expect(Self.refusal("""
                CREATE TABLE orders (id bigint PRIMARY KEY);
                CREATE INDEX orders_idx ON orders (id);
                ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid() UNIQUE REFERENCES orders (token),
                    ALTER COLUMN id TYPE numeric;
                """).isEmpty)
            // The expand steps.
            #expect(Self.refusal("""
                ALTER TABLE products ADD COLUMN tags text[] NOT NULL DEFAULT '{}', ADD COLUMN added timestamptz DEFAULT now();
                ALTER TABLE products ADD CONSTRAINT price_present CHECK (price IS NOT NULL) NOT VALID;
                ALTER TABLE products ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES categories (id) NOT VALID;
                ALTER TABLE products ADD CONSTRAINT products_name_key UNIQUE USING INDEX products_name_idx;
                """).isEmpty)
            // SET NOT NULL once a validated check proves it, in a later migration.
            let check = PostgresMigration(version: 2, name: "check", sql: """
                ALTER TABLE products ADD CONSTRAINT price_present CHECK (price IS NOT NULL) NOT VALID;
                """)
            let validate = PostgresMigration(version: 3, name: "validate", sql: """
                ALTER TABLE products VALIDATE CONSTRAINT price_present;
                """)
            #expect(Self.refusal("ALTER TABLE products ALTER COLUMN price SET NOT NULL;", after: [check, validate]).isEmpty)
            // …but not when the validation shares the SET NOT NULL's transaction.
            #expect(Self.refusal("""
                ALTER TABLE products VALIDATE CONSTRAINT price_present;
                ALTER TABLE products ALTER COLUMN price SET NOT NULL;
                """, after: [check]).count == 1)
            // Semicolons, keywords and migrate: lines inside strings, dollar
            // quotes and comments are not statements.
            #expect(Self.refusal("""
                -- migrate: no-transaction
                /* CREATE INDEX x ON products (id); */
                SELECT 'CREATE INDEX y ON products (id);', $body$ ALTER TABLE products ALTER price TYPE text; $body$;
                CREATE INDEX CONCURRENTLY IF NOT EXISTS "Name Index" ON products (name);
                """).isEmpty)
        }

        @Test func aHeaderOverridesARuleAndLinesBeforeTheBaselineAreNotJudged() throws {
            let allowed = PostgresMigration(version: 2, name: "small_table", sql: """
                -- The table holds ten rows.
                -- migrate: allow index-without-concurrently, check-without-not-valid
                CREATE INDEX products_name_idx ON products (name);
                ALTER TABLE products ADD CONSTRAINT positive CHECK (price > 0);
                """)
            _ = try PostgresMigrator(migrations: [Self.create, allowed])
            // Allowing one rule does not allow another.
            #expect(Self.refusal("""
                -- migrate: allow index-without-concurrently
                ALTER TABLE products ADD CONSTRAINT positive CHECK (price > 0);
                """).count == 1)
            let old = PostgresMigration(version: 2, name: "old", sql: "CREATE INDEX products_name_idx ON products (name);")
            _ = try PostgresMigrator(migrations: [Self.create, old], lintedFrom: 3)
            #expect(throws: PostgresMigrationError.self) { try PostgresMigrator(migrations: [Self.create, old], lintedFrom: 2) }
        }

        @Test(arguments: [
            ("-- migrate: no-transactions\nSELECT 1;", "line 1: unknown option \"no-transactions\"; the options are \"no-transaction\" and \"allow <rule>\""),
            ("-- migrate: allow everything\nSELECT 1;", "line 1: unknown lint rule \"everything\"; the rules are index-without-concurrently, "),
            ("SELECT 1;\n-- migrate: no-transaction\nSELECT 2;", "line 2: \"-- migrate:\" options must come before the first statement"),
            ("SELECT 1;\nSELECT 'unterminated;", "line 2: unterminated string"),
            ("SELECT $x$ never closed", "line 1: unterminated dollar-quoted string"),
        ])
        func aBadScriptIsRefusedNamingTheLine(sql: String, message: String) {
            let error = #expect(throws: PostgresMigrationError.self) {
                try PostgresMigrator(migrations: [PostgresMigration(version: 1, name: "bad", sql: sql)])
            }
            #expect("\(error.map { "\($0)" } ?? "")".hasPrefix("migration \"0001_bad.sql\" \(message)"), "\(String(describing: error))")
        }

        /// A pool on a fresh schema with `create` applied and `rows` products.
        static func withProducts(rows: Int = 1000, logs: CapturedLogs? = nil,
                                 _ body: (PostgresPool, PostgresConfiguration) async throws -> Void) async throws {
            try await Migrations.withScratchSchema { configuration in
                let pool = try PostgresPool(configuration: configuration, logger: logs?.logger() ?? TestDatabase.logger)
                do {
                    try await PostgresMigrator(migrations: [create]).run(on: pool)
                    try await pool.execute("""
                        INSERT INTO products SELECT g, 'product ' || g, g FROM generate_series(1, \(rows)) g
                        """)
                    try await body(pool, configuration)
                } catch {
                    await pool.shutdown()
                    throw error
                }
                await pool.shutdown()
            }
        }

        @Test func anOverriddenRuleIsLoggedWhenTheMigrationIsApplied() async throws {
            let logs = CapturedLogs()
            try await Self.withProducts(rows: 10, logs: logs) { pool, _ in
                let allowed = PostgresMigration(version: 2, name: "small_table", sql: """
                    -- migrate: allow index-without-concurrently
                    CREATE INDEX products_name_idx ON products (name);
                    """)
                try await PostgresMigrator(migrations: [Self.create, allowed]).run(on: pool)
                let overrides = logs.all.filter { $0.message == "migration overrides a lint rule" }
                #expect(overrides.count == 1)
                #expect(overrides.first?.level == .warning)
                #expect(overrides.first?.metadata["rule"] == "index-without-concurrently")
                #expect(overrides.first?.metadata["file"] == "0002_small_table.sql" && overrides.first?.metadata["line"] == "2")
            }
        }

        @Test func aBusyTableMakesTheMigrationGiveUpAndRetryWithoutStallingLiveQueries() async throws {
            let logs = CapturedLogs()
            try await Self.withProducts(logs: logs) { pool, configuration in
                let change = PostgresMigration(version: 2, name: "add_column", sql: """
                    SELECT 1;
                    ALTER TABLE products ADD COLUMN note text;
                    """)
                let limits = PostgresMigrator.Limits(lockTimeout: .milliseconds(200), lockAttempts: 100, retryDelay: .milliseconds(100))
                let migrator = try PostgresMigrator(migrations: [Self.create, change], limits: limits)
                try await TestDatabase.withPool(configuration) { holder in
                    try await holder.withConnection { long in
                        // A long transaction reading the table: ALTER TABLE cannot have its lock.
                        try await long.executeScript("BEGIN; SELECT count(*) FROM products")
                        let migration = Task { try await migrator.run(on: pool) }
                        // Live reads go on meanwhile, each waiting at most the lock timeout.
                        let clock = ContinuousClock()
                        var longest = Duration.zero
                        let until = clock.now + .seconds(1.5)
                        var reads = 0
                        while clock.now < until {
                            let start = clock.now
                            _ = try await holder.query("SELECT name FROM products WHERE id = \(reads % 1000 + 1)")
                            longest = max(longest, clock.now - start)
                            reads += 1
                        }
                        print("live reads during the blocked migration: \(reads), longest \(longest)")
                        #expect(longest < .milliseconds(200) + .milliseconds(150))
                        try await long.executeScript("COMMIT")
                        let applied = try await migration.value
                        #expect(applied.map(\.version) == [2])
                    }
                }
                let retries = logs.all.filter { $0.message == "migration could not lock a busy table in time; retrying" }
                #expect(retries.count >= 3)
                #expect(retries.first?.metadata["table"] == "products")
                #expect(retries.first?.metadata["line"] == "2")
                #expect(retries.first?.metadata["held_by"]?.contains("idle in transaction") == true)
                let columns = try await pool.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'products' AND column_name = 'note' AND table_schema = \(configuration.schema ?? "")")
                #expect(try columns[0].decode(Int.self, at: 0) == 1)
            }
        }

        @Test func aTableBusyForEveryAttemptFailsTheMigrationNamingTheTable() async throws {
            try await Self.withProducts { pool, configuration in
                let change = PostgresMigration(version: 2, name: "add_column", sql: "ALTER TABLE products ADD COLUMN note text;")
                let limits = PostgresMigrator.Limits(lockTimeout: .milliseconds(100), lockAttempts: 2, retryDelay: .milliseconds(50))
                try await TestDatabase.withPool(configuration) { holder in
                    try await holder.withConnection { long in
                        try await long.executeScript("BEGIN; SELECT count(*) FROM products")
                        let error = await #expect(throws: PostgresMigrationError.self) {
                            try await PostgresMigrator(migrations: [Self.create, change], limits: limits).run(on: pool)
                        }
                        try await long.executeScript("ROLLBACK")
                        guard case .lockTimeout(let file, let line, let table, let attempts) = error else {
                            Issue.record("expected lockTimeout, got \(String(describing: error))")
                            return
                        }
                        #expect(file == "0002_add_column.sql" && line == 1 && table == "products" && attempts == 2)
                    }
                }
                // Rolled back and not recorded: the next run applies it.
                #expect(try await PostgresMigrator(migrations: [Self.create, change]).run(on: pool).map(\.version) == [2])
            }
        }

        @Test func anInterruptedConcurrentIndexIsRebuiltOnTheNextRun() async throws {
            let logs = CapturedLogs()
            try await Self.withProducts(logs: logs) { pool, configuration in
                let index = PostgresMigration(version: 2, name: "index", sql: """
                    -- migrate: no-transaction
                    CREATE INDEX CONCURRENTLY IF NOT EXISTS products_name_idx ON products (name);
                    """)
                let migrator = try PostgresMigrator(migrations: [Self.create, index])
                try await TestDatabase.withAdmin { admin in
                    try await TestDatabase.withPool(configuration) { holder in
                        try await holder.withConnection { snapshot in
                            // An open snapshot: the build waits for it, its index entry already INVALID.
                            try await snapshot.executeScript("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM products")
                            let migration = Task { try await migrator.run(on: pool) }
                            let builder = try await Self.eventually {
                                try await admin.query("""
                                    SELECT pid FROM pg_stat_activity
                                    WHERE application_name = \(configuration.applicationName)
                                      AND query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'
                                    """).first?.decode(Int32.self, at: 0)
                            }
                            // The build's session ends, as when its process is killed.
                            _ = try await admin.query("SELECT pg_terminate_backend(\(builder))")
                            await #expect(throws: (any Error).self) { try await migration.value }
                            try await snapshot.executeScript("COMMIT")
                        }
                    }
                }
                let invalid: PostgresQuery = "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass('products_name_idx')"
                #expect(try await pool.query(invalid).first?.decode(Bool.self, at: 0) == true)
                #expect(try await migrator.status(on: pool).invalidIndexes == ["products_name_idx"])

                #expect(try await migrator.run(on: pool).map(\.version) == [2])
                #expect(try await pool.query(invalid).first?.decode(Bool.self, at: 0) == false)
                #expect(logs.all.contains { $0.message == "rebuilding an index an interrupted build left INVALID" })
                let status = try await migrator.status(on: pool)
                #expect(status.invalidIndexes.isEmpty && status.pending.isEmpty && status.applied.map(\.state) == [.applied, .applied])
            }
        }

        @Test func statusListsAppliedPendingAndBlockingLocks() async throws {
            try await Self.withProducts { pool, configuration in
                let pending = PostgresMigration(version: 2, name: "index", sql: """
                    -- migrate: no-transaction
                    CREATE INDEX CONCURRENTLY IF NOT EXISTS products_name_idx ON products (name);
                    """)
                try await TestDatabase.withPool(configuration) { holder in
                    try await holder.withConnection { locker in
                        try await locker.executeScript("BEGIN; LOCK TABLE products IN SHARE MODE")
                        let status = try await PostgresMigrator(migrations: [Self.create, pending]).status(on: pool)
                        try await locker.executeScript("ROLLBACK")
                        #expect(status.applied.map(\.version) == [1])
                        #expect(status.pending.map(\.fileName) == ["0002_index.sql"] && status.pending[0].noTransaction)
                        let lock = status.locks.first { $0.pid == Int(locker.backendPID) }
                        #expect(lock?.table == "products" && lock?.mode == "ShareLock" && lock?.granted == true)
                        let text = "\(status)"
                        #expect(text.contains("  applied  0001_create.sql  \(Self.create.checksum.prefix(12))"))
                        #expect(text.contains("  pending  0002_index.sql  \(pending.checksum.prefix(12))  (no-transaction)"))
                        #expect(text.contains("pid \(locker.backendPID)  products  ShareLock  held"))
                    }
                }
            }
        }

        /// Polls `probe` until it returns a value, for up to 10 s.
        static func eventually<Value>(_ probe: () async throws -> Value?) async throws -> Value {
            for _ in 0..<200 {
                if let value = try await probe() { return value }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw CancellationError()
        }
    }
}
