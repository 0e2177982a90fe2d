import ServiceKitTesting
import Foundation
import GRPCProtos
import Postgres
import RestaurantAPI
import RPC
import Testing

/// The real `catalog-service` binary.
@Suite("catalog-service process", .timeLimit(.minutes(3)))
struct ServiceProcessTests {
    struct BadSetting: Sendable, CustomTestStringConvertible {
        let variable: String
        let value: String?
        var testDescription: String { "\(variable)=\(value ?? "<unset>")" }
    }

    @Test("A bad setting stops the service with exit code 78 and a message naming the variable", arguments: [
        BadSetting(variable: "LISTEN_ADDR", value: "nonsense"),
        BadSetting(variable: "LISTEN_ADDR", value: "127.0.0.1:99999"),
        BadSetting(variable: "DB_POOL_MAX", value: "lots"),
        BadSetting(variable: "DB_POOL_MAX", value: "0"),
        BadSetting(variable: "DB_POOL_MIN", value: "-1"),
        BadSetting(variable: "LOG_LEVEL", value: "loud"),
        BadSetting(variable: "METRICS_ADDR", value: "metrics"),
        BadSetting(variable: "DATABASE_URL", value: nil),
    ])
    func configurationErrors(setting: BadSetting) async throws {
        var environment = [
            "DATABASE_URL": try TestEnvironment.catalogURL(),
            "LISTEN_ADDR": "127.0.0.1:0",
            "AUTH_TOKENS": "t",
        ]
        environment[setting.variable] = setting.value
        let service = try ServiceProcess(environment: environment)
        defer { service.removeLog() }
        guard let status = await service.waitForExit(timeout: .seconds(30)) else {
            await service.stop()
            Issue.record("catalog-service kept running with \(setting.testDescription); output:\n\(service.output)")
            return
        }
        #expect(status == 78, "exit status; output:\n\(service.output)")
        #expect(service.output.contains("configuration error"), "output:\n\(service.output)")
        #expect(service.output.contains(setting.variable), "the message names \(setting.variable); output:\n\(service.output)")
    }

    @Test("Health goes NOT_SERVING when the database refuses the service, and SERVING again after, without a restart")
    func healthFollowsTheDatabase() async throws {
        let admin = try TestEnvironment.admin()
        let role = "catalog_hc_\(TestEnvironment.uniqueSuffix())"
        let password = TestEnvironment.uniqueSuffix() + TestEnvironment.uniqueSuffix()
        try await admin.execute("CREATE ROLE \(identifier: role) LOGIN PASSWORD \(unescaped: "'\(password)'")")
        let schema: TestSchema
        do {
            schema = try await TestSchema.create(owner: role)
        } catch {
            _ = try? await admin.execute("DROP ROLE IF EXISTS \(identifier: role)")
            throw error
        }
        var url = try #require(URLComponents(string: try TestEnvironment.catalogURL()))
        url.user = role
        url.password = password
        let service = try ServiceProcess(environment: [
            "DATABASE_URL": url.string!,
            "DB_SCHEMA": schema.name,
            "LISTEN_ADDR": "127.0.0.1:0",
            "AUTH_TOKENS": "t",
            "DB_POOL_MIN": "1",
            "DB_POOL_MAX": "3",
            "DB_POOL_ACQUIRE_TIMEOUT_MS": "1500",
            "LOG_LEVEL": "info",
        ])
        func cleanUp() async {
            await service.stop()
            _ = try? await admin.execute("ALTER ROLE \(identifier: role) LOGIN")
            await schema.drop()
            _ = try? await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role)")
            _ = try? await admin.execute("DROP ROLE IF EXISTS \(identifier: role)")
            service.removeLog()
        }
        do {
            let port = try await service.ports().grpc
            let channel = try RPCChannel(target: "127.0.0.1:\(port)", configuration: testChannelConfiguration())
            defer { channel.close() }
            let health = HealthProbe(channel: channel)
            let services = ["", CatalogService.name]
            let started = await health.waitFor(.serving, services: services, timeout: .seconds(60))
            #expect(started, "SERVING once migrated; output:\n\(service.output)")
            // The service works against its own schema.
            let catalog = CatalogServiceClient(channel: channel)
            let token = CallOptions(timeout: .seconds(10), metadata: Metadata([("authorization", "Bearer t")]))
            let category = try await catalog.createCategory(.with { $0.name = "Health" }, options: token)
            #expect(category.id == 1)

            // The database goes away for this service only.
            try await admin.execute("ALTER ROLE \(identifier: role) NOLOGIN")
            try await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role)")
            let down = await health.waitFor(.notServing, services: services, timeout: .seconds(45))
            #expect(down, "NOT_SERVING while the database refuses; output:\n\(service.output)")
            await expectStatus(.unavailable) {
                try await catalog.listCategories(.init(), options: CallOptions(timeout: .seconds(20)))
            }

            // And comes back.
            try await admin.execute("ALTER ROLE \(identifier: role) LOGIN")
            let up = await health.waitFor(.serving, services: services, timeout: .seconds(45))
            #expect(up, "SERVING again once the database answers; output:\n\(service.output)")
            let categories = try await catalog.listCategories(.init(), options: CallOptions(timeout: .seconds(20)))
            #expect(categories.categories.map(\.name) == ["Health"])
            #expect(service.process.isRunning, "the service was never restarted")
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    @Test("An applied migration edited afterwards: the service reports NOT_SERVING and logs which file, critically")
    func editedMigration() async throws {
        let schema = try await TestSchema.create()
        let environment = [
            "DATABASE_URL": try TestEnvironment.catalogURL(),
            "DB_SCHEMA": schema.name,
            "LISTEN_ADDR": "127.0.0.1:0",
            "AUTH_TOKENS": "t",
            "DB_POOL_MIN": "0",
            "DB_POOL_MAX": "2",
            "LOG_LEVEL": "info",
        ]
        var processes: [ServiceProcess] = []
        var channels: [RPCChannel] = []
        func cleanUp() async {
            for channel in channels { channel.close() }
            for process in processes {
                await process.stop()
                process.removeLog()
            }
            await schema.drop()
        }
        do {
            // Migrated once, as deployed.
            let first = try ServiceProcess(environment: environment)
            processes.append(first)
            channels.append(try RPCChannel(target: "127.0.0.1:\(try await first.ports().grpc)",
                                           configuration: testChannelConfiguration()))
            let ready = await HealthProbe(channel: channels[0]).waitFor(.serving, services: ["", CatalogService.name],
                                                                        timeout: .seconds(60))
            #expect(ready, "output:\n\(first.output)")
            await first.stop()

            // The first migration's file "changed": its recorded checksum no longer matches.
            let edited = try await TestEnvironment.admin().query(
                "UPDATE \(identifier: schema.name).schema_migrations SET checksum = 'edited' "
                    + "WHERE version = (SELECT min(version) FROM \(identifier: schema.name).schema_migrations) RETURNING name")
            let name = try edited[0].decode(String.self, at: 0)

            let second = try ServiceProcess(environment: environment)
            processes.append(second)
            channels.append(try RPCChannel(target: "127.0.0.1:\(try await second.ports().grpc)",
                                           configuration: testChannelConfiguration()))
            let logged = await eventually(timeout: .seconds(30)) { second.output.contains("migrations refused") }
            #expect(logged, "output:\n\(second.output)")
            let line = second.output.split(separator: "\n").first { $0.contains("migrations refused") }.map(String.init) ?? ""
            #expect(line.contains("critical"), "\(line)")
            #expect(line.contains("_\(name).sql") && line.contains(
                "was changed after it was applied; add a new migration instead of editing an applied one"),
                    "the line names the file and the fix: \(line)")
            let health = HealthProbe(channel: channels[1])
            #expect(await health.status("") == .notServing, "output:\n\(second.output)")
            #expect(await health.status(CatalogService.name) == .notServing)
            #expect(second.process.isRunning, "it keeps reporting NOT_SERVING rather than exiting")
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    @Test("With port 0 the service takes free ports and announces them; METRICS_ADDR serves Prometheus text counting the calls made")
    func metrics() async throws {
        let schema = try await TestSchema.create()
        let service = try ServiceProcess(environment: [
            "DATABASE_URL": try TestEnvironment.catalogURL(),
            "DB_SCHEMA": schema.name,
            "LISTEN_ADDR": "127.0.0.1:0",
            "METRICS_ADDR": "127.0.0.1:0",
            "AUTH_TOKENS": "t",
            "DB_POOL_MIN": "0",
            "DB_POOL_MAX": "2",
        ])
        func cleanUp() async {
            await service.stop()
            await schema.drop()
            service.removeLog()
        }
        do {
            let ports = try await service.ports()
            let metricsPort = try #require(ports.metrics, "output:\n\(service.output)")
            let channel = try RPCChannel(target: "127.0.0.1:\(ports.grpc)", configuration: testChannelConfiguration())
            defer { channel.close() }
            let health = HealthProbe(channel: channel)
            let ready = await health.waitFor(.serving, services: ["", CatalogService.name], timeout: .seconds(60))
            #expect(ready, "output:\n\(service.output)")
            let catalog = CatalogServiceClient(channel: channel)
            for _ in 0..<3 { _ = try await catalog.listCategories(.init(), options: CallOptions(timeout: .seconds(10))) }
            await expectStatus(.unauthenticated) {
                try await catalog.createCategory(.with { $0.name = "x" }, options: CallOptions(timeout: .seconds(10)))
            }
            await expectStatus(.notFound) {
                try await catalog.getProduct(.with { $0.id = 5 }, options: CallOptions(timeout: .seconds(10)))
            }

            let (status, body, closed) = try httpGet(port: metricsPort, path: "/metrics")
            #expect(status.hasPrefix("HTTP/1.1 200"), "\(status)")
            #expect(closed, "the endpoint closes the connection after answering 'Connection: close'")
            func labels(_ method: String) -> String {
                "service=\"catalog\",grpc_type=\"unary\",grpc_service=\"restaurant.catalog.v1.CatalogService\",grpc_method=\"\(method)\""
            }
            #expect(body.contains("# TYPE grpc_server_handled_total counter"))
            #expect(body.contains("grpc_server_started_total{\(labels("ListCategories"))} 3\n"), "\(body)")
            #expect(body.contains("grpc_server_handled_total{\(labels("ListCategories")),grpc_code=\"OK\"} 3\n"), "\(body)")
            #expect(body.contains("grpc_server_handled_total{\(labels("CreateCategory")),grpc_code=\"UNAUTHENTICATED\"} 1\n"), "\(body)")
            #expect(body.contains("grpc_server_handled_total{\(labels("GetProduct")),grpc_code=\"NOT_FOUND\"} 1\n"), "\(body)")
            #expect(body.contains("# TYPE grpc_server_handling_seconds histogram"), "\(body)")
            #expect(body.contains("grpc_server_handling_seconds_bucket{\(labels("ListCategories")),le=\"+Inf\"} 3\n"), "\(body)")
            #expect(body.contains("grpc_server_handling_seconds_count{\(labels("ListCategories"))} 3\n"), "\(body)")
            #expect(body.contains("db_pool_connections{service=\"catalog\",state=\"idle\"}"), "\(body)")
            #expect(body.contains("db_pool_waiters{service=\"catalog\"} 0"), "\(body)")
            #expect(body.contains("db_pool_acquire_timeouts_total{service=\"catalog\"} 0"), "\(body)")
            let acquires = body.split(separator: "\n").first { $0.hasPrefix("db_pool_acquire_wait_seconds_count{service=\"catalog\"} ") }
            #expect((acquires?.split(separator: " ").last).flatMap { Int($0) } ?? 0 >= 5, "\(body)")
            let posted = try httpGet(port: metricsPort, path: "/metrics", method: "POST")
            #expect(posted.status.hasPrefix("HTTP/1.1 405"), "\(posted.status)")
            let missing = try httpGet(port: metricsPort, path: "/nothing")
            #expect(missing.status.hasPrefix("HTTP/1.1 404"))
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }
}

@Suite("Database role isolation", .timeLimit(.minutes(1)))
struct RoleIsolationTests {
    @Test("The catalog role cannot read or create in the orders schema (42501)")
    func catalogCannotReadOrders() async throws {
        var configuration = PostgresConfiguration(connectionString: try TestEnvironment.catalogURL(), schema: "catalog",
                                                  applicationName: "catalog-tests-isolation")
        configuration.minConnections = 0
        configuration.maxConnections = 1
        let pool = try PostgresPool(configuration: configuration, logger: TestEnvironment.logger("catalog.tests.isolation"))
        for statement: PostgresQuery in ["SELECT * FROM orders.orders", "CREATE TABLE orders.sneaky (id int)",
                                         "SELECT * FROM ratings.ratings"] {
            do {
                _ = try await pool.query(statement)
                Issue.record("the catalog role ran a statement on another service's schema")
            } catch let error as PostgresError {
                #expect(error.sqlState == "42501", "\(error)")
            }
        }
        await pool.shutdown()
    }
}
