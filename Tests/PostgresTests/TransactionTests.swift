import Foundation
import Postgres
import Testing

extension PostgresTests {
    @Suite struct Transactions {
        static func makeTable(_ pool: PostgresPool, _ prefix: String, _ columns: String) async throws -> String {
            let table = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
            try await pool.execute("CREATE TABLE \(identifier: table) (\(unescaped: columns))")
            return table
        }

        @Test func aTransactionCommitsOrRollsBackWhenItsBodyThrows() async throws {
            struct Abort: Error {}
            try await TestDatabase.withPool { pool in
                let table = try await Self.makeTable(pool, "tx", "id int PRIMARY KEY")
                try await pool.withTransaction { tx in
                    try await tx.execute("INSERT INTO \(identifier: table) VALUES (1)")
                }
                await #expect(throws: Abort.self) {
                    try await pool.withTransaction { tx in
                        try await tx.execute("INSERT INTO \(identifier: table) VALUES (2)")
                        throw Abort()
                    }
                }
                // A failing statement rolls back the whole transaction too.
                await #expect(throws: PostgresError.self) {
                    try await pool.withTransaction { tx in
                        try await tx.execute("INSERT INTO \(identifier: table) VALUES (3)")
                        try await tx.execute("INSERT INTO \(identifier: table) VALUES (1)")
                    }
                }
                let rows = try await pool.query("SELECT id FROM \(identifier: table) ORDER BY id")
                #expect(try rows.map { try $0.decode(Int32.self, column: "id") } == [1])
                try await pool.execute("DROP TABLE \(identifier: table)")
            }
        }

        @Test func uniqueViolationIsTypedAndNamesItsConstraint() async throws {
            try await TestDatabase.withPool { pool in
                let table = try await Self.makeTable(
                    pool,
                    "uv",
                    "id int PRIMARY KEY, email text NOT NULL, qty int CHECK (qty > 0)"
                )
                let constraint = "\(table)_email_key"
                try await pool.execute("ALTER TABLE \(identifier: table) ADD CONSTRAINT \(identifier: constraint) UNIQUE (email)")
                let secret = "secret-value-\(UUID().uuidString)"
                try await pool.execute("INSERT INTO \(identifier: table) VALUES (1, \(secret), 1)")

                let unique = await #expect(throws: PostgresError.self) {
                    try await pool.execute("INSERT INTO \(identifier: table) VALUES (2, \(secret), 1)")
                }
                #expect(unique?.code == .uniqueViolation)
                #expect(unique?.sqlState == "23505")
                #expect(unique?.constraint == constraint)
                #expect(unique?.table == table)

                let check = await #expect(throws: PostgresError.self) {
                    try await pool.execute("INSERT INTO \(identifier: table) VALUES (3, \("x"), \(Int32(-1)))")
                }
                #expect(check?.code == .checkViolation && check?.constraint == "\(table)_qty_check")
                let notNull = await #expect(throws: PostgresError.self) {
                    try await pool.execute("INSERT INTO \(identifier: table) VALUES (4, \(String?.none), 1)")
                }
                #expect(notNull?.code == .notNullViolation && notNull?.column == "email")

                // Neither the caller-facing nor the log description carries
                // the parameter value; only the log one has the SQL text.
                for error in [unique, check, notNull].compactMap({ $0 }) {
                    let shown = "\(error)" + error.localizedDescription + String(describing: error)
                    #expect(!shown.contains(secret) && !shown.contains("INSERT"))
                    #expect(!String(reflecting: error).contains(secret))
                }
                #expect(String(reflecting: unique!).contains("INSERT INTO"))

                let badInput = await #expect(throws: PostgresError.self) {
                    try await pool.query("SELECT \(secret)::int")
                }
                #expect(badInput?.code == .other(sqlState: "22P02"))
                #expect(!String(reflecting: badInput!).contains(secret))
                try await pool.execute("DROP TABLE \(identifier: table)")
            }
        }

        @Test func foreignKeyViolationIsTyped() async throws {
            try await TestDatabase.withPool { pool in
                let parent = try await Self.makeTable(pool, "fkp", "id int PRIMARY KEY")
                let child = try await Self.makeTable(pool, "fkc", "id int")
                try await pool.execute("ALTER TABLE \(identifier: child) ADD CONSTRAINT fk_parent FOREIGN KEY (id) REFERENCES \(identifier: parent)(id)")
                let error = await #expect(throws: PostgresError.self) {
                    try await pool.execute("INSERT INTO \(identifier: child) VALUES (\(Int32(9)))")
                }
                #expect(error?.code == .foreignKeyViolation && error?.constraint == "fk_parent")
                try await pool.execute("DROP TABLE \(identifier: child), \(identifier: parent)")
            }
        }

        @Test func deadlocksAreRetried() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.maxConnections = 4
            try await TestDatabase.withPool(configuration) { pool in
                let table = try await Self.makeTable(pool, "dl", "id int PRIMARY KEY, n int NOT NULL")
                try await pool.execute("INSERT INTO \(identifier: table) VALUES (1, 0), (2, 0)")
                /// Two transactions lock rows 1 and 2 in opposite orders, each
                /// waiting until the other holds its first row: PostgreSQL
                /// aborts one with 40P01 (after deadlock_timeout, 1 s).
                func collide(retries: Int, attempts: Counter) async -> [Result<Void, PostgresError>] {
                    let barrier = Counter()
                    return await withTaskGroup(of: Result<Void, PostgresError>.self) { group in
                        for (first, second) in [(Int32(1), Int32(2)), (Int32(2), Int32(1))] {
                            group.addTask {
                                do {
                                    try await pool.withTransaction(retryOnSerializationFailure: retries) { tx in
                                        attempts.increment()
                                        try await tx.execute("UPDATE \(identifier: table) SET n = n + 1 WHERE id = \(first)")
                                        barrier.increment()
                                        _ = try await TestDatabase.eventually(timeout: .seconds(30)) { barrier.value >= 2 }
                                        try await tx.execute("UPDATE \(identifier: table) SET n = n + 1 WHERE id = \(second)")
                                    }
                                    return .success(())
                                } catch let error as PostgresError {
                                    return .failure(error)
                                } catch {
                                    Issue.record(error)
                                    return .success(())
                                }
                            }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                }
                // With retries, the aborted one runs again and both commit.
                let attempts = Counter()
                let retried = await collide(retries: 3, attempts: attempts)
                #expect(retried.allSatisfy { if case .success = $0 { true } else { false } }, "\(retried)")
                #expect(attempts.value == 3, "two transactions, one of them twice")
                let sums = try await pool.query("SELECT sum(n) FROM \(identifier: table)")
                #expect(try sums[0].decode(Int.self, at: 0) == 4)
                // Without, the deadlock reaches the caller as its typed error.
                let once = await collide(retries: 0, attempts: Counter())
                let codes = once.compactMap { if case .failure(let error) = $0 { error.code } else { nil } }
                #expect(codes == [.deadlockDetected])
                try await pool.execute("DROP TABLE \(identifier: table)")
            }
        }

        @Test func serializationFailuresAreRetried() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.maxConnections = 4
            try await TestDatabase.withPool(configuration) { pool in
                let table = try await Self.makeTable(pool, "ser", "id int PRIMARY KEY, n int NOT NULL")
                try await pool.execute("INSERT INTO \(identifier: table) VALUES (1, 0)")
                let attempts = Counter()
                // Both transactions read, wait for each other, then write:
                // one of them must fail with 40001 and run again.
                let barrier = Counter()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            try await pool.withTransaction(isolation: .serializable, retryOnSerializationFailure: 5) { tx in
                                attempts.increment()
                                let rows = try await tx.query("SELECT n FROM \(identifier: table) WHERE id = 1")
                                let n = try rows[0].decode(Int32.self, column: "n")
                                barrier.increment()
                                _ = try await TestDatabase.eventually(timeout: .seconds(30)) { barrier.value >= 2 }
                                try await tx.execute("UPDATE \(identifier: table) SET n = \(n + 1) WHERE id = 1")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(attempts.value >= 3)
                let rows = try await pool.query("SELECT n FROM \(identifier: table) WHERE id = 1")
                #expect(try rows[0].decode(Int32.self, column: "n") == 2)

                // Without retries the conflict surfaces as its typed error.
                let failures = Counter()
                let barrier2 = Counter()
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            do {
                                try await pool.withTransaction(isolation: .serializable) { tx in
                                    let rows = try await tx.query("SELECT n FROM \(identifier: table) WHERE id = 1")
                                    let n = try rows[0].decode(Int32.self, column: "n")
                                    barrier2.increment()
                                    _ = try await TestDatabase.eventually(timeout: .seconds(30)) { barrier2.value >= 2 }
                                    try await tx.execute("UPDATE \(identifier: table) SET n = \(n + 1) WHERE id = 1")
                                }
                            } catch let error as PostgresError where error.code == .serializationFailure {
                                failures.increment()
                            } catch {
                                Issue.record(error)
                            }
                        }
                    }
                }
                #expect(failures.value == 1)
                try await pool.execute("DROP TABLE \(identifier: table)")
            }
        }
    }

    @Suite struct Security {
        @Test func aServiceRoleCannotReadAnotherServicesSchema() async throws {
            let ordersTable = "secret_\(UUID().uuidString.prefix(8).lowercased())"
            try await TestDatabase.withPool(try TestDatabase.configuration(url: TestDatabase.orderURL(), schema: "orders")) { orders in
                try await orders.execute("CREATE TABLE \(identifier: ordersTable) (id int)")
                try await TestDatabase.withPool { catalog in
                    let error = await #expect(throws: PostgresError.self) {
                        try await catalog.query("SELECT * FROM orders.\(identifier: ordersTable)")
                    }
                    #expect(error?.code == .other(sqlState: "42501"))  // insufficient_privilege
                    let create = await #expect(throws: PostgresError.self) {
                        try await catalog.execute("CREATE TABLE public.intruder (id int)")
                    }
                    #expect(create?.code == .other(sqlState: "42501"))
                }
                try await orders.execute("DROP TABLE \(identifier: ordersTable)")
            }
        }
    }
}
