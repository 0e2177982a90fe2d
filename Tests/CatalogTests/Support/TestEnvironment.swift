import Foundation
import Logging
import Postgres
import Synchronization
import Testing

/// What the catalog tests need from their environment: the throwaway
/// cluster `scripts/postgres.sh start` prepares (PG_ADMIN_URL,
/// CATALOG_DATABASE_URL from `.data/postgres.env`). A missing variable fails
/// the test with a message that says how to fix it; it never skips.
enum TestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { what }
    }

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(what: "\(name) is not set: run `bash scripts/postgres.sh start` and "
                + "`set -a; source .data/postgres.env; set +a` in the shell that runs `swift test` "
                + "(the catalog tests need a real PostgreSQL)")
        }
        return value
    }

    static func adminURL() throws -> String { try variable("PG_ADMIN_URL") }
    static func catalogURL() throws -> String { try variable("CATALOG_DATABASE_URL") }

    /// The role in CATALOG_DATABASE_URL (the catalog service's own role).
    static func catalogRole() throws -> String {
        let url = try catalogURL()
        guard let user = URLComponents(string: url)?.user, !user.isEmpty else {
            throw Missing(what: "CATALOG_DATABASE_URL must be a postgresql://user:password@host:port/db URL")
        }
        return user
    }

    /// The repository root (three levels above this file's folder).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Quiet loggers: tests assert on statuses, not log lines.
    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    /// A short random suffix for schema, role and category names.
    static func uniqueSuffix() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)).lowercased()
    }

    private static let adminPool = Mutex<PostgresPool?>(nil)

    /// A small superuser pool shared by every test (created on first use,
    /// lives as long as the test process).
    static func admin() throws -> PostgresPool {
        try adminPool.withLock { pool in
            if let pool { return pool }
            var configuration = PostgresConfiguration(connectionString: try adminURL(), schema: nil,
                                                      applicationName: "catalog-tests-admin")
            configuration.minConnections = 0
            configuration.maxConnections = 3
            configuration.acquireTimeout = .seconds(60)
            let created = try PostgresPool(configuration: configuration, logger: logger("catalog.tests.admin"))
            pool = created
            return created
        }
    }
}

/// A schema of its own for one test (`catalog_test_<random>`), owned by the
/// catalog role, dropped afterwards: tests run in parallel with each other
/// and with the other database suites without sharing rows.
struct TestSchema: Sendable {
    let name: String
    let owner: String

    static func create(owner: String? = nil) async throws -> TestSchema {
        let owner = try owner ?? TestEnvironment.catalogRole()
        let name = "catalog_test_\(TestEnvironment.uniqueSuffix())"
        try await TestEnvironment.admin().execute("CREATE SCHEMA \(identifier: name) AUTHORIZATION \(identifier: owner)")
        return TestSchema(name: name, owner: owner)
    }

    func drop() async {
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
actor AsyncSemaphore {
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) {
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
    nonisolated func withPermit<T>(_ body: () async throws -> T) async throws -> T {
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
