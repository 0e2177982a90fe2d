import Foundation
import LoopbackPorts
import Postgres
import Testing

extension PostgresTests {
    @Suite struct Connections {
        @Test func aKeywordValueConnectionStringWorksLikeAURL() async throws {
            let url = try #require(URLComponents(string: try TestDatabase.catalogURL()))
            let keywords = [
                "host=\(url.host ?? "")",
                "port=\(url.port ?? 5432)",
                "dbname=\(url.path.dropFirst())",
                "user=\(url.user ?? "")",
                "password=\(url.password ?? "")",
            ].joined(separator: " ")
            try await TestDatabase.withPool(try TestDatabase.configuration(url: keywords)) { pool in
                let rows = try await pool.query("SELECT current_user::text")
                #expect(try rows[0].decode(String.self, at: 0) == "catalog")
            }
        }

        @Test func aServerThatNeverAnswersHitsTheConnectTimeout() async throws {
            let listener = try LoopbackPort(listening: true)
            defer { listener.close() }
            var configuration = try TestDatabase.configuration(url: "postgresql://nobody:x@127.0.0.1:\(listener.port)/db")
            configuration.connectTimeout = .seconds(2)
            configuration.acquireTimeout = .seconds(60)
            try await TestDatabase.withPool(configuration) { pool in
                let started = ContinuousClock.now
                let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
                #expect(error?.code == .connectionLost)
                let waited = ContinuousClock.now - started
                #expect(waited >= .seconds(1) && waited < .seconds(30), "waited \(waited)")
                #expect(pool.metrics().connectionFailures >= 1)
            }
        }

        @Test func aStatementTimeoutThrowsTimeout() async throws {
            try await TestDatabase.withPool { pool in
                let error = await #expect(throws: PostgresError.self) {
                    try await pool.withTransaction { tx in
                        try await tx.execute("SET LOCAL statement_timeout = '50ms'")
                        _ = try await tx.query("SELECT pg_sleep(30)")
                    }
                }
                #expect(error?.code == .timeout && error?.sqlState == "57014")
                // The server cancelled it, not the client: the connection is kept.
                let rows = try await pool.query("SELECT 1")
                #expect(rows.count == 1 && pool.metrics().connectionsClosed == 0)
            }
        }

        @Test func aSecondStatementWhileOneRunsThrowsInvalidUsage() async throws {
            try await TestDatabase.withAdmin { admin in
                try await TestDatabase.withPool { pool in
                    let key = Int64.random(in: 1...Int64.max)
                    try await admin.withConnection { blocker in
                        _ = try await blocker.query("SELECT pg_advisory_lock(\(key))")
                        try await pool.withConnection { connection in
                            // Runs until the blocker lets go of the lock.
                            async let blocked = connection.query("SELECT pg_advisory_xact_lock(\(key))")
                            #expect(try await TestDatabase.eventually {
                                let rows = try await admin.query(
                                    "SELECT count(*) FROM pg_stat_activity WHERE pid = \(connection.backendPID) AND wait_event_type = 'Lock'"
                                )
                                return try rows[0].decode(Int.self, at: 0) == 1
                            })
                            let error = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
                            #expect(error?.code == .invalidUsage)
                            _ = try await blocker.query("SELECT pg_advisory_unlock(\(key))")
                            // The running statement was not disturbed.
                            #expect(try await blocked.count == 1)
                            #expect(try await connection.query("SELECT 1").count == 1)
                        }
                    }
                }
            }
        }
    }
}
