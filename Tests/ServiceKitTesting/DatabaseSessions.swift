import Foundation
import Postgres

/// A transaction of the test's own, as the cluster's superuser, held open
/// on a connection of its own: its locks keep a service's statement
/// waiting (to terminate its backend, time it out, or race a change it
/// commits) until the test commits or rolls it back. Dropped undecided,
/// it rolls back.
public final class HeldTransaction: Sendable {
    private struct RolledBack: Error {}

    private let decision: AsyncStream<Bool>.Continuation
    private let task: Task<Void, any Error>

    private init(decision: AsyncStream<Bool>.Continuation, task: Task<Void, any Error>) {
        self.decision = decision
        self.task = task
    }

    deinit {
        decision.yield(false)
        decision.finish()
    }

    /// Begins a transaction, runs `statements` in it, and returns with it open.
    public static func begin(_ statements: PostgresQuery...) async throws -> HeldTransaction {
        var configuration = PostgresConfiguration(connectionString: try TestEnvironment.adminURL(),
                                                  applicationName: "tests-held-transaction")
        configuration.minConnections = 0
        configuration.maxConnections = 1
        let pool = try PostgresPool(configuration: configuration, logger: TestEnvironment.logger("tests.held"))
        let (decisions, decision) = AsyncStream.makeStream(of: Bool.self)
        let (began, beginning) = AsyncThrowingStream.makeStream(of: Void.self)
        let task = Task {
            let outcome: Result<Void, any Error>
            do {
                try await pool.withTransaction { connection in
                    for statement in statements { try await connection.execute(statement) }
                    beginning.yield()
                    var commit = false
                    for await decided in decisions {
                        commit = decided
                        break
                    }
                    if !commit { throw RolledBack() }
                }
                outcome = .success(())
            } catch is RolledBack {
                outcome = .success(())
            } catch {
                beginning.finish(throwing: error)
                outcome = .failure(error)
            }
            await pool.shutdown()
            try outcome.get()
        }
        let held = HeldTransaction(decision: decision, task: task)
        for try await _ in began { return held }
        throw TestEnvironment.Missing(what: "the held transaction ended before it began")
    }

    public func commit() async throws {
        try await finish(commit: true)
    }

    public func rollback() async throws {
        try await finish(commit: false)
    }

    private func finish(commit: Bool) async throws {
        decision.yield(commit)
        decision.finish()
        try await task.value
    }
}

/// A login role of one test's own, with the privileges of a service's
/// role: a test can refuse it new connections (NOLOGIN) without touching
/// the other tests, which share the services' roles.
public struct TestLogin: Sendable {
    public let name: String
    /// A DATABASE_URL that logs in as it.
    public let url: String

    /// Creates it, with the password in `url`.
    public static func create(like role: String) async throws -> TestLogin {
        let name = "\(role)_login_\(TestEnvironment.uniqueSuffix())"
        let password = TestEnvironment.uniqueSuffix() + TestEnvironment.uniqueSuffix()
        guard var url = URLComponents(string: try TestEnvironment.databaseURL(role: role)) else {
            throw TestEnvironment.Missing(what: "\(role.uppercased())_DATABASE_URL is not a URL")
        }
        url.user = name
        url.password = password
        try await TestEnvironment.admin().execute("CREATE ROLE \(identifier: name) LOGIN PASSWORD \(unescaped: "'\(password)'")")
        return TestLogin(name: name, url: url.string!)
    }

    /// Whether it may open new connections; those open stay open.
    public func allowLogin(_ allowed: Bool) async throws {
        try await TestEnvironment.admin().execute("ALTER ROLE \(identifier: name) \(unescaped: allowed ? "LOGIN" : "NOLOGIN")")
    }

    /// Ends its sessions and drops it (after the schemas it owns).
    public func drop() async {
        let admin = try? TestEnvironment.admin()
        _ = try? await admin?.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(name)")
        _ = try? await admin?.execute("DROP ROLE IF EXISTS \(identifier: name)")
    }
}

extension ServiceHarness {
    /// The backends of the service's pool (by application name) whose
    /// statement waits for a lock.
    public func backendsWaitingForLocks() async throws -> [Int32] {
        try await TestEnvironment.admin().query("""
            SELECT pid FROM pg_stat_activity
            WHERE application_name = \(pool.configuration.applicationName) AND wait_event_type = 'Lock'
            """).map { try $0.decode(Int32.self, at: 0) }
    }

    /// Waits until a statement of the service waits for a lock (one a
    /// ``HeldTransaction`` holds); returns its backend's pid.
    public func waitForLockWait(timeout: Duration = .seconds(20)) async throws -> Int32 {
        var waiting: [Int32] = []
        _ = try await eventually(timeout: timeout, interval: .milliseconds(20)) {
            waiting = try await backendsWaitingForLocks()
            return !waiting.isEmpty
        }
        guard let pid = waiting.first else { throw TimedOut(what: "a statement of the service waiting for a lock") }
        return pid
    }
}
