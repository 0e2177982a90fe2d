import Foundation
import Testing

/// A real `rating-service` beside a ``CatalogServer`` it checks products
/// with and sends summaries to: its own fresh schema (owned by the rating
/// role, dropped at the end), a free loopback port, the catalog's token.
final class RatingServer: @unchecked Sendable {
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

    static func start(catalog: CatalogServer) throws -> RatingServer {
        let admin = try TestDatabase.urls().admin
        guard let ratingURL = ProcessInfo.processInfo.environment["RATING_DATABASE_URL"], !ratingURL.isEmpty else {
            throw HarnessError("RATING_DATABASE_URL is not set: source .data/postgres.env (bash scripts/postgres.sh start)")
        }
        let role = try TestDatabase.user(of: ratingURL)
        let schema = "\(TestDatabase.schemaPrefix)\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try TestDatabase.sql(admin, ["CREATE SCHEMA \"\(schema)\" AUTHORIZATION \"\(role)\""])
        let port = try CatalogServer.freePort()
        let service: BackgroundProcess
        do {
            service = try BackgroundProcess(try Paths.executable("rating-service"), [], environment: [
                "DATABASE_URL": ratingURL,
                "DB_SCHEMA": schema,
                "LISTEN_ADDR": "127.0.0.1:\(port)",
                "AUTH_TOKENS": CatalogServer.token,
                "CATALOG_ADDR": catalog.address,
                "UPSTREAM_TOKEN": CatalogServer.token,
                "LOG_LEVEL": "warning",
            ])
        } catch {
            _ = try? TestDatabase.sql(admin, ["DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"])
            throw error
        }
        let server = RatingServer(schema: schema, port: port, admin: admin, service: service)
        let deadline = Date().addingTimeInterval(30)
        while try Run.ctl(["health", server.address, "--timeout", "1s", "--connect-timeout", "1s"], timeout: 10).status != 0 {
            guard service.process.isRunning, Date() < deadline else {
                server.stop()
                throw HarnessError("rating-service on \(server.address) was not SERVING within 30s; stderr:\n\(service.stderr)")
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
