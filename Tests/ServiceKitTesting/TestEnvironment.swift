import Foundation
import Logging
import Postgres
import Synchronization
import Testing

/// What service tests need from their environment: the throwaway cluster
/// `scripts/postgres.sh start` prepares (PG_ADMIN_URL and a
/// `<ROLE>_DATABASE_URL` per service, from `.data/postgres.env`). A missing
/// variable fails the test with a message that says how to fix it; it never
/// skips.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let what: String
        public init(what: String) { self.what = what }
        public var description: String { what }
    }

    public static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(what: "\(name) is not set: run `bash scripts/postgres.sh start` and "
                + "`set -a; source .data/postgres.env; set +a` in the shell that runs `swift test` "
                + "(the service tests need a real PostgreSQL)")
        }
        return value
    }

    public static func adminURL() throws -> String { try variable("PG_ADMIN_URL") }

    /// The database URL of a service's own role (`CATALOG_DATABASE_URL` for `catalog`).
    public static func databaseURL(role: String) throws -> String {
        try variable("\(role.uppercased())_DATABASE_URL")
    }

    /// The user of a service's database URL (its own role).
    public static func roleName(role: String) throws -> String {
        guard let user = URLComponents(string: try databaseURL(role: role))?.user, !user.isEmpty else {
            throw Missing(what: "\(role.uppercased())_DATABASE_URL must be a postgresql://user:password@host:port/db URL")
        }
        return user
    }

    /// The repository root (two levels above this file's folder).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Quiet loggers: tests assert on statuses, not log lines.
    /// `TEST_LOG_LEVEL=debug swift test …` shows them when a test needs
    /// explaining.
    public static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    /// A short random suffix for schema, role and category names.
    public static func uniqueSuffix() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)).lowercased()
    }

    /// Whether the tests run against the private cluster `scripts/postgres.sh`
    /// manages (which they may restart), not a server of DATABASE_URL.
    public static var ownsCluster: Bool {
        ProcessInfo.processInfo.environment["PGDATA_DIR"] != nil
            && ProcessInfo.processInfo.environment["DATABASE_URL"] == nil
    }

    /// Runs `scripts/postgres.sh ARGUMENTS` (`restart`) and waits for it.
    public static func cluster(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/postgres.sh").path] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Missing(what: "scripts/postgres.sh \(arguments.joined(separator: " ")) failed")
        }
    }

    private static let adminPool = Mutex<PostgresPool?>(nil)

    /// A small superuser pool shared by every test (created on first use,
    /// lives as long as the test process).
    public static func admin() throws -> PostgresPool {
        try adminPool.withLock { pool in
            if let pool { return pool }
            var configuration = PostgresConfiguration(connectionString: try adminURL(), schema: nil,
                                                      applicationName: "service-tests-admin")
            configuration.minConnections = 0
            configuration.maxConnections = 3
            configuration.acquireTimeout = .seconds(60)
            let created = try PostgresPool(configuration: configuration, logger: logger("tests.admin"))
            pool = created
            return created
        }
    }
}

/// A schema of its own for one test (`<role>_test_<random>`), owned by a
/// service's role, dropped afterwards: tests run in parallel with each
/// other and with the other database suites without sharing rows.
public struct TestSchema: Sendable {
    public let name: String
    public let owner: String

    /// - Parameters:
    ///   - role: the service whose role owns it (`catalog`).
    ///   - owner: another owner, by role name.
    public static func create(role: String = "catalog", owner: String? = nil) async throws -> TestSchema {
        let owner = try owner ?? TestEnvironment.roleName(role: role)
        let name = "\(role)_test_\(TestEnvironment.uniqueSuffix())"
        try await TestEnvironment.admin().execute("CREATE SCHEMA \(identifier: name) AUTHORIZATION \(identifier: owner)")
        return TestSchema(name: name, owner: owner)
    }

    public func drop() async {
        do {
            try await TestEnvironment.admin().execute("DROP SCHEMA IF EXISTS \(identifier: name) CASCADE")
        } catch {
            Issue.record("could not drop test schema \(name): \(error)")
        }
    }
}

/// Bounds how many catalogs (each with a pool and a server) run at once, so
/// a fully parallel test run stays well inside the cluster's connection limit
/// and the machine's two cores.
public actor AsyncSemaphore {
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(permits: Int) {
        self.permits = permits
    }

    func acquire() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            permits += 1
        } else {
            waiters.removeFirst().resume()
        }
    }

}

extension AsyncSemaphore {
    public nonisolated func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
