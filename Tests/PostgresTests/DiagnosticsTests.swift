import Foundation
import Logging
import Postgres
import Testing

extension PostgresTests {
    @Suite struct Diagnostics {
        @Test func aBorrowHeldTooLongIsLoggedWithWhereItWasBorrowed() async throws {
            let logs = CapturedLogs()
            var configuration = try TestDatabase.configuration()
            configuration.leakDetectionThreshold = .milliseconds(200)
            let pool = try PostgresPool(configuration: configuration, logger: logs.logger(level: .warning))
            let borrowLine = #line + 1
            try await pool.withConnection { _ in
                let reported = try await TestDatabase.eventually(timeout: .seconds(20)) {
                    logs.all.contains { $0.message.contains("leak detection") }
                }
                #expect(reported)
            }
            await pool.shutdown()
            let entry = try #require(logs.all.first { $0.message.contains("leak detection") })
            #expect(entry.metadata["borrowed_at"] == "PostgresTests/DiagnosticsTests.swift:\(borrowLine)")
        }

        @Test func thePreparedStatementCacheIsBounded() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.statementCacheCapacity = 3
            try await TestDatabase.withPool(configuration) { pool in
                try await pool.withConnection { connection in
                    for index in 0..<10 {
                        _ = try await connection.query("SELECT \(Int64(index)) AS \(unescaped: "c\(index)")")
                    }
                    // Repeating a cached statement does not prepare it again:
                    // had it, c8 would have been evicted and c9 be there twice.
                    _ = try await connection.query("SELECT \(Int64(9)) AS c9")
                    let rows = try await connection.query("SELECT statement FROM pg_prepared_statements")
                    let statements = try rows.map { try $0.decode(String.self, at: 0) }
                    #expect(statements.sorted() == ["SELECT $1 AS c8", "SELECT $1 AS c9", "SELECT statement FROM pg_prepared_statements"])
                }
            }
        }

        @Test func aStatementTheServerInvalidatedIsPreparedAgainAndRunAtOnce() async throws {
            try await TestDatabase.withPool { pool in
                let table = "reprep_\(UUID().uuidString.prefix(8).lowercased())"
                try await pool.execute("CREATE TABLE \(identifier: table) (id int)")
                try await pool.withConnection { connection in
                    let select: PostgresQuery = "SELECT * FROM \(identifier: table)"
                    #expect(try await connection.query(select).isEmpty)

                    // The server forgot the statement: it is prepared again
                    // and run at once.
                    try await connection.executeScript("DEALLOCATE ALL")
                    #expect(try await connection.query(select).isEmpty)

                    // Its result type changed ("cached plan must not change
                    // result type", a column added under a running service):
                    // likewise, with the new columns.
                    try await connection.execute("ALTER TABLE \(identifier: table) ADD COLUMN name text")
                    try await connection.execute("INSERT INTO \(identifier: table) VALUES (1, 'x')")
                    let rows = try await connection.query(select)
                    #expect(rows.count == 1 && rows.first?.columnNames == ["id", "name"])

                    // Inside a transaction the failure aborts it: the caller
                    // is told, and the statement is prepared afresh for later.
                    try await connection.executeScript("BEGIN")
                    try await connection.execute("ALTER TABLE \(identifier: table) ADD COLUMN price int")
                    let changed = await #expect(throws: PostgresError.self) { try await connection.query(select) }
                    #expect(changed?.sqlState == "0A000")
                    try await connection.executeScript("ROLLBACK")
                    #expect(try await connection.query(select).first?.columnNames == ["id", "name"])
                }
                try await pool.execute("DROP TABLE \(identifier: table)")
            }
        }

        @Test func copyIsRejectedAndItsConnectionDiscarded() async throws {
            try await TestDatabase.withPool { pool in
                let error = await #expect(throws: PostgresError.self) {
                    try await pool.query("COPY (SELECT 1) TO STDOUT")
                }
                #expect(error?.code == .invalidUsage)
                let rows = try await pool.query("SELECT 1")
                #expect(rows.count == 1)
                #expect(pool.metrics().connectionsClosed >= 1)
            }
        }
    }
}
