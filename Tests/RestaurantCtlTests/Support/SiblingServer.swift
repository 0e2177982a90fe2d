import Foundation
import LoopbackPorts
import Testing

/// A real service binary beside a ``CatalogServer`` (`rating-service`,
/// `order-service`, `analytics-service`): its own fresh schema (owned by its
/// role, dropped at the end), a loopback port it picks, the catalog's token,
/// `CATALOG_ADDR` set to the catalog.
///
/// `@unchecked Sendable`: every stored property is a `let` of a Sendable
/// value except `service`, whose process is only signalled and read.
final class SiblingServer: @unchecked Sendable {
    let schema: String
    let port: Int
    private let admin: String
    private let service: BackgroundProcess

    var address: String { "127.0.0.1:\(port)" }

    private init(schema: String, port: Int, admin: String, service: BackgroundProcess) {
        self.schema = schema
        self.port = port
        self.admin = admin
        self.service = service
    }

    /// - Parameters:
    ///   - role: the service (`order`): its binary is `<role>-service`, its URL `<ROLE>_DATABASE_URL`.
    ///   - environment: more variables (`ANALYTICS_ADDR`).
    static func start(_ role: String, catalog: CatalogServer, environment extra: [String: String] = [:]) throws -> SiblingServer {
        let admin = try TestDatabase.urls().admin
        let variable = "\(role.uppercased())_DATABASE_URL"
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else {
            throw HarnessError("\(variable) is not set: source .data/postgres.env (bash scripts/postgres.sh start)")
        }
        let owner = try TestDatabase.user(of: url)
        let schema = "\(TestDatabase.schemaPrefix)\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try TestDatabase.sql(admin, ["CREATE SCHEMA \"\(schema)\" AUTHORIZATION \"\(owner)\""])
        let service: BackgroundProcess
        do {
            var environment = [
                "DATABASE_URL": url,
                "DB_SCHEMA": schema,
                "LISTEN_ADDR": "127.0.0.1:0",
                "AUTH_TOKENS": CatalogServer.token,
                "CATALOG_ADDR": catalog.address,
                "UPSTREAM_TOKEN": CatalogServer.token,
                "LOG_LEVEL": "warning",
            ]
            environment.merge(extra) { _, new in new }
            service = try BackgroundProcess(try Paths.executable("\(role)-service"), [], environment: environment)
        } catch {
            _ = try? TestDatabase.sql(admin, ["DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"])
            throw error
        }
        let port: Int
        do {
            port = try service.announcedPorts("\(role)-service").grpc
        } catch {
            _ = try? TestDatabase.sql(admin, ["DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"])
            throw error
        }
        let server = SiblingServer(schema: schema, port: port, admin: admin, service: service)
        let deadline = Date().addingTimeInterval(30)
        while try Run.ctl(["health", server.address, "--timeout", "1s", "--connect-timeout", "1s"], timeout: 10).status != 0 {
            guard service.process.isRunning, Date() < deadline else {
                server.stop()
                throw HarnessError("\(role)-service on \(server.address) was not SERVING within 30s; stderr:\n\(service.stderr)")
            }
            usleep(100_000)
        }
        return server
    }

    func stop() {
        service.stop()
        _ = try? TestDatabase.sql(admin, ["DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"])
    }
}
