import Foundation
import Logging
import Postgres
import Testing

/// Every database test lives under this suite, which runs serially: some
/// tests restart the server or count connections, which would disturb
/// tests running beside them.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PostgresTests {}

/// Access to the throwaway cluster `scripts/postgres.sh start` prepares.
enum TestDatabase {
    struct MissingEnvironment: Error, CustomStringConvertible {
        let variable: String
        var description: String {
            "\(variable) is not set: run `scripts/postgres.sh start` and `source .data/postgres.env` "
                + "(or scripts/test-postgres.sh) before the database tests"
        }
    }

    static func environment(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingEnvironment(variable: name)
        }
        return value
    }

    /// The catalog service's role: the tests' own tables live in its schema.
    static func catalogURL() throws -> String { try environment("CATALOG_DATABASE_URL") }
    static func orderURL() throws -> String { try environment("ORDER_DATABASE_URL") }
    static func adminURL() throws -> String { try environment("PG_ADMIN_URL") }

    /// A unique application name, so a test can find its own connections
    /// in `pg_stat_activity`.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static let logger: Logger = {
        var logger = Logger(label: "postgres.tests")
        logger.logLevel = .critical
        return logger
    }()

    static func configuration(
        url: String? = nil,
        schema: String? = "catalog",
        applicationName: String = uniqueName("pgtest")
    ) throws -> PostgresConfiguration {
        var configuration = PostgresConfiguration(
            connectionString: try url ?? catalogURL(),
            schema: schema,
            applicationName: applicationName
        )
        configuration.minConnections = 0
        configuration.acquireTimeout = .seconds(30)
        return configuration
    }

    /// Runs `body` with a pool and always shuts it down.
    static func withPool<Result>(
        _ configuration: PostgresConfiguration? = nil,
        _ body: (PostgresPool) async throws -> Result
    ) async throws -> Result {
        let pool = try PostgresPool(configuration: configuration ?? self.configuration(), logger: logger)
        do {
            let result = try await body(pool)
            await pool.shutdown()
            return result
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// Runs `body` with an admin (superuser) pool, for observing and
    /// disturbing the server.
    static func withAdmin<Result>(_ body: (PostgresPool) async throws -> Result) async throws -> Result {
        var configuration = try configuration(url: adminURL(), schema: nil, applicationName: "pgtest-admin")
        configuration.maxConnections = 2
        return try await withPool(configuration, body)
    }

    /// How many connections with `applicationName` the server has.
    static func serverConnectionCount(_ admin: PostgresPool, applicationName: String) async throws -> Int {
        let rows = try await admin.query(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = \(applicationName)"
        )
        return try rows[0].decode(Int.self, at: 0)
    }

    /// Terminates every backend with `applicationName`; returns how many.
    @discardableResult
    static func terminateBackends(_ admin: PostgresPool, applicationName: String) async throws -> Int {
        let rows = try await admin.query(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(applicationName)) t"
        )
        return try rows[0].decode(Int.self, at: 0)
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(
        timeout: Duration = .seconds(30),
        _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// Runs `scripts/postgres.sh` with `arguments` and waits for it.
    static func harness(_ arguments: String...) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root.appendingPathComponent("scripts/postgres.sh").path] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MissingEnvironment(variable: "scripts/postgres.sh \(arguments.joined(separator: " ")) failed;")
        }
    }

    /// Whether the tests run against the private cluster the harness can
    /// stop and start (not an external `DATABASE_URL` server).
    static var ownsCluster: Bool {
        ProcessInfo.processInfo.environment["PGDATA_DIR"] != nil
            && ProcessInfo.processInfo.environment["DATABASE_URL"] == nil
    }
}
