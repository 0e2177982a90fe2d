import Foundation
import Postgres
import ServiceKitTesting
import Testing

@Suite("analytics-service as a process", .timeLimit(.minutes(2)))
struct ServiceProcessTests {
    @Test("An unknown ANALYTICS_TIME_ZONE stops the service with exit 78 naming the variable")
    func badTimeZone() async throws {
        let service = try ServiceProcess("analytics-service", environment: [
            "DATABASE_URL": try TestEnvironment.databaseURL(role: "analytics"),
            "LISTEN_ADDR": "127.0.0.1:0",
            "AUTH_TOKENS": "t",
            "ANALYTICS_TIME_ZONE": "Mars/Olympus_Mons",
        ])
        defer { service.removeLog() }
        guard let status = await service.waitForExit(timeout: .seconds(30)) else {
            await service.stop()
            Issue.record("analytics-service kept running; output:\n\(service.output)")
            return
        }
        #expect(status == 78, "\(service.output)")
        #expect(service.output.contains("ANALYTICS_TIME_ZONE: 'Mars/Olympus_Mons' is not an IANA time zone name"), "\(service.output)")
    }

    @Test("The analytics role reads only its own schema")
    func roleIsolation() async throws {
        var configuration = PostgresConfiguration(connectionString: try TestEnvironment.databaseURL(role: "analytics"),
                                                  schema: nil, applicationName: "analytics-isolation-test")
        configuration.minConnections = 0
        let pool = try PostgresPool(configuration: configuration, logger: TestEnvironment.logger("isolation"))
        for table in ["catalog.products", "orders.orders", "ratings.ratings"] {
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1 FROM \(unescaped: table) LIMIT 1") }
            #expect(error?.code == .other(sqlState: "42501"), "\(table): \(String(describing: error))")
        }
        await pool.shutdown()
    }
}
