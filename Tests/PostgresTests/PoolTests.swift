import Foundation
import Postgres
import Synchronization
import Testing

extension PostgresTests {
    @Suite struct Pool {
        @Test func invalidConfigurationIsRejectedNamingTheSetting() throws {
            var configuration = PostgresConfiguration(connectionString: "postgresql://localhost/db")
            configuration.minConnections = 11
            let error = try #require(throws: PostgresConfigurationError.self) {
                _ = try PostgresPool(configuration: configuration)
            }
            #expect(error.setting == "minConnections")

            configuration = PostgresConfiguration(connectionString: "postgresql://localhost/db")
            configuration.acquireTimeout = .zero
            #expect(throws: PostgresConfigurationError.self) { try configuration.validate() }
            configuration = PostgresConfiguration(connectionString: "nonsense=1 = =")
            let urlError = try #require(throws: PostgresConfigurationError.self) { try configuration.validate() }
            #expect(urlError.setting == "connectionString")
            let environmentError = try #require(throws: PostgresConfigurationError.self) {
                _ = try PostgresConfiguration(
                    environment: ["DATABASE_URL": "postgresql://localhost/db", "DB_POOL_MAX": "ten"],
                    applicationName: "x"
                )
            }
            #expect(environmentError.setting == "DB_POOL_MAX")
        }

        @Test func schemaComesFirstOnTheSearchPath() async throws {
            try await TestDatabase.withPool { pool in
                let rows = try await pool.query("SELECT current_schemas(false)::text[] AS path, current_setting('application_name') AS app")
                #expect(try rows[0].decode([String].self, column: "path").first == "catalog")
                #expect(try rows[0].decode(String.self, column: "app") == pool.configuration.applicationName)
            }
        }

        @Test func twoHundredConcurrentTasksNeverExceedMaxConnections() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.maxConnections = 10
            let application = configuration.applicationName
            try await TestDatabase.withAdmin { admin in
                try await TestDatabase.withPool(configuration) { pool in
                    let finished = Counter()
                    let peak = try await withThrowingTaskGroup(of: Int.self) { group in
                        for index in 0..<200 {
                            group.addTask {
                                let rows = try await pool.query("SELECT \(Int64(index)) + 0 AS n, pg_sleep(0.01)")
                                #expect(try rows[0].decode(Int64.self, column: "n") == Int64(index))
                                finished.increment()
                                return 0
                            }
                        }
                        // Sample the server's view while the load runs.
                        var peak = 0
                        while finished.value < 200 {
                            peak = max(peak, try await TestDatabase.serverConnectionCount(admin, applicationName: application))
                            try await Task.sleep(for: .milliseconds(20))
                        }
                        try await group.waitForAll()
                        return peak
                    }
                    #expect(finished.value == 200)
                    #expect(peak >= 1 && peak <= 10, "peak \(peak) connections")
                    let metrics = pool.metrics()
                    #expect(metrics.totalConnections <= 10)
                    #expect(metrics.acquireCount >= 200)
                    #expect(metrics.inUseConnections == 0 && metrics.waiters == 0)
                    #expect(metrics.acquireWaitP99 >= metrics.acquireWaitP50)
                    // 200 borrowers on 10 connections: the slowest waited.
                    #expect(metrics.acquireWaitP99 > .zero)
                }
            }
        }

        @Test func acquireTimesOutWithPoolExhaustedWhenEveryConnectionIsHeld() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.maxConnections = 2
            configuration.acquireTimeout = .milliseconds(500)
            try await TestDatabase.withPool(configuration) { pool in
                try await pool.withConnection { _ in
                    try await pool.withConnection { _ in
                        let started = ContinuousClock.now
                        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
                        #expect(error?.code == .poolExhausted)
                        #expect(ContinuousClock.now - started >= .milliseconds(400))
                        #expect(ContinuousClock.now - started < .seconds(20))
                    }
                }
                #expect(pool.metrics().acquireTimeouts == 1)
                // Once returned, the connections serve again.
                #expect(try await pool.query("SELECT 1").count == 1)
            }
        }

        @Test func waitersAreServedInArrivalOrder() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.maxConnections = 1
            try await TestDatabase.withPool(configuration) { pool in
                let order = Recorder()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    try await pool.withConnection { _ in
                        for index in 0..<5 {
                            group.addTask {
                                try await pool.withConnection { _ in order.append(index) }
                            }
                            // Let each waiter enqueue before the next one.
                            let queued = try await TestDatabase.eventually { pool.metrics().waiters == index + 1 }
                            #expect(queued)
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(order.values == [0, 1, 2, 3, 4])
            }
        }

        @Test func cancellingAWaiterRemovesItAndThrowsCancellationError() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.maxConnections = 1
            try await TestDatabase.withPool(configuration) { pool in
                try await pool.withConnection { _ in
                    let waiter = Task { try await pool.query("SELECT 1") }
                    // Queued first, so what follows removes a real waiter.
                    let queued = try await TestDatabase.eventually { pool.metrics().waiters == 1 }
                    #expect(queued)
                    waiter.cancel()
                    await #expect(throws: CancellationError.self) { try await waiter.value }
                    #expect(pool.metrics().waiters == 0)
                }
            }
        }

        @Test func cancellingALongQueryStopsItOnTheServerPromptly() async throws {
            let configuration = try TestDatabase.configuration()
            let application = configuration.applicationName
            try await TestDatabase.withAdmin { admin in
                try await TestDatabase.withPool(configuration) { pool in
                    let sleeping: PostgresQuery = """
                        SELECT count(*) FROM pg_stat_activity
                        WHERE application_name = \(application) AND state = 'active' AND query LIKE '%pg_sleep(30)%'
                        """
                    func sleepers() async throws -> Int { try await admin.query(sleeping)[0].decode(Int.self, at: 0) }
                    let started = ContinuousClock.now
                    let query = Task { try await pool.query("SELECT pg_sleep(30)") }
                    // Cancel only once the server runs it, so there is something to stop.
                    let running = try await TestDatabase.eventually { try await sleepers() == 1 }
                    #expect(running)
                    query.cancel()
                    // The server stops it, long before its 30 s are up.
                    let stopped = try await TestDatabase.eventually(timeout: .seconds(10)) { try await sleepers() == 0 }
                    #expect(stopped)
                    await #expect(throws: CancellationError.self) { try await query.value }
                    #expect(ContinuousClock.now - started < .seconds(15))
                    // The pool goes on working.
                    #expect(try await pool.query("SELECT 1").count == 1)
                }
            }
        }

        @Test func aConnectionReturnedInsideATransactionIsRolledBack() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.maxConnections = 1
            try await TestDatabase.withPool(configuration) { pool in
                let table = "leftopen_\(UUID().uuidString.prefix(8).lowercased())"
                try await pool.execute("CREATE TABLE \(identifier: table) (id int)")
                let backend = try await pool.withConnection { connection in
                    try await connection.execute("BEGIN")
                    try await connection.execute("INSERT INTO \(identifier: table) VALUES (1)")
                    return connection.backendPID
                }
                let rows = try await pool.query("SELECT count(*) AS n, pg_backend_pid() AS pid FROM \(identifier: table)")
                #expect(try rows[0].decode(Int.self, column: "n") == 0)
                // Rolled back and reused, not closed (which would roll back too).
                #expect(try rows[0].decode(Int32.self, column: "pid") == backend)
                try await pool.execute("DROP TABLE \(identifier: table)")
            }
        }

        @Test func aConnectionUsedAfterItsBorrowEndedThrows() async throws {
            try await TestDatabase.withPool { pool in
                let escaped = try await pool.withConnection { $0 }
                let error = await #expect(throws: PostgresError.self) { try await escaped.query("SELECT 1") }
                #expect(error?.code == .invalidUsage)
            }
        }

        @Test func terminatedBackendsAreReplacedTransparently() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.minConnections = 3
            configuration.maxConnections = 3
            let application = configuration.applicationName
            try await TestDatabase.withAdmin { admin in
                try await TestDatabase.withPool(configuration) { pool in
                    #expect(try await TestDatabase.eventually { pool.metrics().idleConnections == 3 })
                    let killed = try await TestDatabase.terminateBackends(admin, applicationName: application)
                    #expect(killed == 3)
                    for _ in 0..<20 {
                        #expect(try await pool.query("SELECT 1").count == 1)
                    }
                    // Killed while borrowed: the query fails, the next borrow works.
                    try await pool.withConnection { connection in
                        try await TestDatabase.terminateBackends(admin, applicationName: application)
                        let error = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
                        #expect(error?.code == .connectionLost)
                    }
                    #expect(try await pool.query("SELECT 1").count == 1)
                    #expect(try await TestDatabase.serverConnectionCount(admin, applicationName: application) <= 3)
                }
            }
        }

        @Test func aWriteIsNotRepeatedWhenItsBackendDiesMidStatementUnlessIdempotent() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.minConnections = 1
            configuration.maxConnections = 2
            let application = configuration.applicationName
            try await TestDatabase.withAdmin { admin in
                try await TestDatabase.withPool(configuration) { pool in
                    let table = "writes_\(UUID().uuidString.prefix(8).lowercased())"
                    try await pool.execute("CREATE TABLE \(identifier: table) (id int)")
                    // Inserts, then sleeps: killed while sleeping, it rolls back;
                    // run again on another connection, it would insert.
                    let write: PostgresQuery = """
                        WITH inserted AS (INSERT INTO \(identifier: table) VALUES (1) RETURNING id)
                        SELECT pg_sleep(1) FROM inserted
                        """
                    func killWhileSleeping() -> Task<Void, any Error> {
                        Task { () async throws -> Void in
                            let killed = try await TestDatabase.eventually {
                                try await admin.query("""
                                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                                    WHERE application_name = \(application) AND query LIKE '%pg_sleep(1)%' AND state = 'active'
                                    """).count == 1
                            }
                            #expect(killed)
                        }
                    }
                    _ = try await pool.query("SELECT 1")  // the connection is no longer fresh

                    let killer = killWhileSleeping()
                    let error = await #expect(throws: PostgresError.self) { try await pool.write(write) }
                    #expect(error?.code == .connectionLost)
                    try await killer.value
                    #expect(try await pool.query("SELECT count(*) FROM \(identifier: table)")[0].decode(Int.self, at: 0) == 0)

                    _ = try await pool.query("SELECT 1")
                    let idempotentKiller = killWhileSleeping()
                    _ = try await pool.write(write, idempotent: true)
                    try await idempotentKiller.value
                    #expect(try await pool.query("SELECT count(*) FROM \(identifier: table)")[0].decode(Int.self, at: 0) == 1)
                    try await pool.execute("DROP TABLE \(identifier: table)")
                }
            }
        }

        @Test func maxLifetimeAndIdleTimeoutRecycleConnections() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.minConnections = 1
            configuration.maxConnections = 4
            configuration.maxLifetime = .seconds(1)
            configuration.idleTimeout = .milliseconds(300)
            try await TestDatabase.withPool(configuration) { pool in
                let first = try await pool.withConnection { $0.backendPID }
                // Lifetime: the connection is replaced by a new backend.
                #expect(try await TestDatabase.eventually(timeout: .seconds(20)) {
                    try await pool.withConnection { $0.backendPID } != first
                })
                // Idle timeout: a burst opens extra connections that are
                // closed again down to the minimum.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 { group.addTask { try await pool.execute("SELECT pg_sleep(0.2)") } }
                    try await group.waitForAll()
                }
                #expect(try await TestDatabase.eventually(timeout: .seconds(20)) { pool.metrics().totalConnections <= 1 })
                #expect(pool.metrics().connectionsClosed >= 2)
            }
        }

        @Test func shutdownClosesEveryConnection() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.minConnections = 3
            let application = configuration.applicationName
            try await TestDatabase.withAdmin { admin in
                let pool = try PostgresPool(configuration: configuration, logger: TestDatabase.logger)
                #expect(try await TestDatabase.eventually { pool.metrics().idleConnections == 3 })
                await pool.shutdown()
                #expect(try await TestDatabase.eventually {
                    try await TestDatabase.serverConnectionCount(admin, applicationName: application) == 0
                })
                let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
                #expect(error?.code == .poolShutDown)
                let listen = await #expect(throws: PostgresError.self) { try await pool.listen(channel: "after_shutdown") }
                #expect(listen?.code == .poolShutDown)
            }
        }

        @Test func shutdownFailsWaitingBorrowers() async throws {
            var configuration = try TestDatabase.configuration()
            configuration.maxConnections = 1
            try await TestDatabase.withPool(configuration) { pool in
                let shutdown = try await pool.withConnection { _ in
                    let waiter = Task { try await pool.query("SELECT 1") }
                    let queued = try await TestDatabase.eventually { pool.metrics().waiters == 1 }
                    #expect(queued)
                    // Shutdown waits for this borrow to end, so it runs beside it.
                    let shutdown = Task { await pool.shutdown() }
                    let error = await #expect(throws: PostgresError.self) { try await waiter.value }
                    #expect(error?.code == .poolShutDown)
                    return shutdown
                }
                await shutdown.value
                #expect(pool.metrics().totalConnections == 0)
            }
        }
    }
}

/// A thread-safe counter for tasks to report progress.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() {
        count.add(1, ordering: .relaxed)
    }

    var value: Int { count.load(ordering: .relaxed) }
}

/// A thread-safe list tasks append to.
final class Recorder: Sendable {
    private let storage = Mutex<[Int]>([])

    func append(_ value: Int) {
        storage.withLock { $0.append(value) }
    }

    var values: [Int] { storage.withLock { $0 } }
}
