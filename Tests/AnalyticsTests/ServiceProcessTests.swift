import Foundation
import Postgres
import RestaurantAPI
import RPC
import ServiceKitTesting
import Synchronization
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

    /// What the load's callers saw, by status.
    final class Outcomes: Sendable {
        let counts = Mutex<[String: Int]>([:])
        func add(_ outcome: String) { counts.withLock { $0[outcome, default: 0] += 1 } }
    }

    @Test("SIGTERM with 200 calls in flight: each finishes or gets UNAVAILABLE; background tasks stop, then the pool; exit 0 within the drain")
    func gracefulShutdownUnderLoad() async throws {
        let schema = try await TestSchema.create(role: "analytics")
        let service = try ServiceProcess("analytics-service", environment: [
            "DATABASE_URL": try TestEnvironment.databaseURL(role: "analytics"), "DB_SCHEMA": schema.name,
            "LISTEN_ADDR": "127.0.0.1:0", "AUTH_TOKENS": "t", "LOG_LEVEL": "info",
        ])
        defer { service.removeLog() }
        do {
            let channel = try RPCChannel(target: "127.0.0.1:\(try await service.ports().grpc)",
                                         configuration: testChannelConfiguration())
            defer { channel.close() }
            #expect(await HealthProbe(channel: channel).waitFor(.serving, services: ["", AnalyticsService.name],
                                                                timeout: .seconds(60)), "\(service.output)")
            let client = AnalyticsServiceClient(channel: channel)
            let outcomes = Outcomes()
            // 200 callers, each calling again as soon as its call ends, until the server is gone.
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<200 {
                        group.addTask {
                            while true {
                                do {
                                    _ = try await client.getDashboard(GetDashboardRequest(), options: CallOptions(timeout: .seconds(30)))
                                    outcomes.add("OK")
                                } catch let error as RPCError {
                                    outcomes.add("\(error.code)")
                                    return
                                } catch {
                                    outcomes.add("\(error)")
                                    return
                                }
                            }
                        }
                    }
                }
            }
            try await Task.sleep(for: .seconds(1))
            let signalled = ContinuousClock.now
            kill(service.process.processIdentifier, SIGTERM)
            let status = await service.waitForExit(timeout: .seconds(30))
            let took = ContinuousClock.now - signalled
            await load.value
            let counts = outcomes.counts.withLock { $0 }
            print("graceful shutdown under load: exit \(status.map(String.init) ?? "none") after \(took); calls: \(counts)")
            #expect(status == 0, "\(service.output)")
            #expect(took < .seconds(10), "the drain is bounded by 10 s")
            #expect(Set(counts.keys).isSubset(of: ["OK", "\(RPCStatus.Code.unavailable)"]), "\(counts)")
            #expect((counts["OK"] ?? 0) > 200, "\(counts)")
            // In order: the server drains, background tasks stop, then the pool closes and the process ends.
            let output = service.output
            let steps = ["[ServiceKit] shutting down\n", "[RPC] stopped\n", "[ServiceKit] background tasks stopped\n",
                         "[ServiceKit] stopped\n"].map { output.range(of: $0)?.lowerBound }
            #expect(steps.allSatisfy { $0 != nil } && steps.map { $0! } == steps.map { $0! }.sorted(), "\(output)")
            let backgroundLine = output.split(separator: "\n").first { $0.hasSuffix("[ServiceKit] background tasks stopped") }
            #expect(backgroundLine?.contains("count=1") == true, "the pruning task was stopped: \(backgroundLine ?? "")")
        } catch {
            await service.stop()
            await schema.drop()
            throw error
        }
        await schema.drop()
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
