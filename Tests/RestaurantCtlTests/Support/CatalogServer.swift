import Foundation
import LoopbackPorts
import Synchronization
import Testing

/// The throwaway PostgreSQL the catalog tests need (scripts/postgres.sh).
enum TestDatabase {
    /// `CATALOG_DATABASE_URL` (the catalog role) and `PG_ADMIN_URL`, or a
    /// failure saying how to get them.
    static func urls() throws -> (catalog: String, admin: String) {
        let environment = ProcessInfo.processInfo.environment
        let catalog = environment["CATALOG_DATABASE_URL"] ?? ""
        let admin = environment["PG_ADMIN_URL"] ?? ""
        guard !catalog.isEmpty, !admin.isEmpty else {
            let missing = [("CATALOG_DATABASE_URL", catalog), ("PG_ADMIN_URL", admin)].filter { $0.1.isEmpty }.map(\.0)
            throw HarnessError("""
                the catalog tests need a PostgreSQL database, but \(missing.joined(separator: " and ")) \
                \(missing.count == 1 ? "is" : "are") not set. In \(Paths.root.path) run
                  bash scripts/postgres.sh start
                  set -a; source .data/postgres.env; set +a
                then run the tests again from that shell:
                  swift test --scratch-path .build-cli --filter RestaurantCtlTests
                """)
        }
        return (catalog, admin)
    }

    /// psql: $PGBIN/psql, else on $PATH, else the newest /usr/lib/postgresql/*/bin/psql.
    static func psql() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let bin = environment["PGBIN"] { candidates.append(bin + "/psql") }
        for directory in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(directory)/psql") }
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        candidates += versions.map { "/usr/lib/postgresql/\($0)/bin/psql" }
        guard let path = candidates.first(where: FileManager.default.isExecutableFile) else {
            throw HarnessError("psql is not installed (looked in $PGBIN, $PATH and /usr/lib/postgresql/*/bin); run scripts/ensure-deps.sh")
        }
        return URL(fileURLWithPath: path)
    }

    /// Runs SQL with psql, returning its unaligned output.
    @discardableResult
    static func sql(_ url: String, _ commands: [String], files: [URL] = []) throws -> String {
        var arguments = ["--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-qAt", "--single-transaction", "-d", url]
        for command in commands { arguments += ["-c", command] }
        for file in files { arguments += ["-f", file.path] }
        let outcome = try Run.process(try psql(), arguments, timeout: 60)
        guard outcome.status == 0 else {
            throw HarnessError("psql failed (\(commands.joined(separator: "; ")) \(files.map(\.lastPathComponent))): \(outcome.stderr)")
        }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The user name in a postgresql:// URL.
    static func user(of url: String) throws -> String {
        guard let user = URLComponents(string: url)?.user, !user.isEmpty else {
            throw HarnessError("cannot read the user name from CATALOG_DATABASE_URL")
        }
        return user
    }

    static let schemaPrefix = "ctl_test_"

    /// Drops schemas that earlier test processes (now gone) left behind.
    static func dropStaleSchemas(admin: String) throws {
        let names = try sql(admin, ["SELECT nspname FROM pg_namespace WHERE nspname LIKE '\(schemaPrefix)%'"])
        for name in names.split(separator: "\n") {
            let parts = name.dropFirst(schemaPrefix.count).split(separator: "_")
            guard let pid = parts.first.flatMap({ Int32($0) }), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? sql(admin, ["DROP SCHEMA IF EXISTS \"\(name)\" CASCADE"])
        }
    }
}

/// A process left running (a server, `catalog watch`) whose output is
/// collected as it arrives.
final class BackgroundProcess: @unchecked Sendable {
    let process: Process
    private let output = Mutex((stdout: Data(), stderr: Data()))

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Paths.root
        var env = ProcessInfo.processInfo.environment
        for key in ["RESTAURANT_ADDR", "RESTAURANT_TOKEN", "CATALOG_ADDR", "RATING_ADDR", "ORDER_ADDR"] { env[key] = nil }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, isStdout) in [(stdout, true), (stderr, false)] {
            // Reads until the process closes the pipe (it exits).
            Thread.detachNewThread { [self] in
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { return }
                    output.withLock { isStdout ? $0.stdout.append(chunk) : $0.stderr.append(chunk) }
                }
            }
        }
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { output.withLock { String(decoding: $0.stdout, as: UTF8.self) } }
    var stderr: String { output.withLock { String(decoding: $0.stderr, as: UTF8.self) } }

    /// The ports the service announced on stdout once bound (it was
    /// started with port 0); throws when it exits or stays silent for 30 s.
    func announcedPorts(_ name: String) throws -> AnnouncedPorts {
        var ports: AnnouncedPorts?
        _ = wait(timeout: 30) { process in
            ports = AnnouncedPorts(output: process.stdout)
            return ports != nil || !process.process.isRunning
        }
        guard let ports else {
            stop()
            throw HarnessError("\(name) announced no listening port (exit status \(process.isRunning ? "none, still running" : "\(process.terminationStatus)")); stderr:\n\(stderr)")
        }
        return ports
    }

    /// Waits until `condition` holds (checked every 20 ms) or `timeout` passes.
    func wait(timeout: TimeInterval, until condition: (BackgroundProcess) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            usleep(20_000)
        }
        return condition(self)
    }

    /// Sends `signal` to the process (by its PID), then SIGKILL if it has
    /// not exited within 5 s; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning {
            kill(pid, signal)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(pid, SIGKILL) }
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { stop() } }
}

/// A real `catalog-service` for one test: its own fresh schema (owned by
/// the catalog role, dropped at the end), a loopback port it picks, known
/// tokens; ready once `restaurantctl health` says SERVING.
final class CatalogServer: @unchecked Sendable {
    static let token = "ctl-test-token"
    static let otherToken = "ctl-test-other"

    let schema: String
    let port: Int
    let admin: String
    private let service: BackgroundProcess

    var address: String { "127.0.0.1:\(port)" }

    private init(schema: String, port: Int, admin: String, service: BackgroundProcess) {
        self.schema = schema
        self.port = port
        self.admin = admin
        self.service = service
    }

    static func start() throws -> CatalogServer {
        let (catalogURL, admin) = try TestDatabase.urls()
        let executable = try Paths.executable("catalog-service")
        _ = try Paths.restaurantctl
        try TestDatabase.dropStaleSchemas(admin: admin)
        let role = try TestDatabase.user(of: catalogURL)
        let schema = "\(TestDatabase.schemaPrefix)\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try TestDatabase.sql(admin, ["CREATE SCHEMA \"\(schema)\" AUTHORIZATION \"\(role)\""])
        var cleanup: (() -> Void)? = { _ = try? TestDatabase.sql(admin, ["DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"]) }
        defer { cleanup?() }

        let service = try BackgroundProcess(executable, [], environment: [
            "DATABASE_URL": catalogURL,
            "DB_SCHEMA": schema,
            "LISTEN_ADDR": "127.0.0.1:0",
            "AUTH_TOKENS": "\(token),\(otherToken)",
            "LOG_LEVEL": "warning",
        ])
        let port = try service.announcedPorts("catalog-service").grpc
        let server = CatalogServer(schema: schema, port: port, admin: admin, service: service)
        cleanup = nil  // The server drops the schema from now on.
        do {
            try server.waitUntilServing()
            try server.checkMigrated()
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// Polls `restaurantctl health` until SERVING (30 s at most).
    private func waitUntilServing() throws {
        let deadline = Date().addingTimeInterval(30)
        var last: Outcome?
        while Date() < deadline {
            guard service.process.isRunning else {
                throw HarnessError("catalog-service exited with status \(service.process.terminationStatus) before serving; stderr:\n\(service.stderr)")
            }
            let outcome = try Run.ctl(["health", address, "--timeout", "1s", "--connect-timeout", "1s"], timeout: 10)
            if outcome.status == 0 { return }
            last = outcome
            usleep(100_000)
        }
        throw HarnessError("catalog-service on \(address) was not SERVING within 30s; last health check: \(last.map { "\($0)" } ?? "none")\nservice stderr:\n\(service.stderr)")
    }

    /// The service migrates the schema DB_SCHEMA names before it reports
    /// SERVING.
    private func checkMigrated() throws {
        let migrated = try TestDatabase.sql(admin, ["SELECT to_regclass('\"\(schema)\".products') IS NOT NULL"])
        guard migrated == "t" else {
            throw HarnessError("catalog-service reported SERVING but did not migrate its DB_SCHEMA \(schema)")
        }
    }

    func stop() {
        service.stop()
        _ = try? TestDatabase.sql(admin, ["DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"])
    }
}

/// Runs `body` with a fresh catalog-service, stopping it (and dropping its
/// schema) afterwards whatever happens.
func withCatalogServer<T>(_ body: (CatalogServer) throws -> T) throws -> T {
    let server = try CatalogServer.start()
    defer { server.stop() }
    return try body(server)
}
