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
                    // Repeating a cached statement does not prepare it again.
                    _ = try await connection.query("SELECT \(Int64(9)) AS c9")
                    let rows = try await connection.query("SELECT count(*) FROM pg_prepared_statements")
                    #expect(try rows[0].decode(Int.self, at: 0) <= 3)
                }
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
