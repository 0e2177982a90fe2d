import Foundation
import GRPCServices
import Logging
import Postgres
import RPC
@testable import ServiceKit

/// A service running in this process, as its binary runs it: the server
/// `ServiceRunner.makeServer` assembles on a free loopback port, its
/// upstreams as the runner builds them, its background tasks started, on a
/// pool over a fresh schema with ServiceKit's tables and the service's
/// migrations applied. Real sockets, real PostgreSQL.
public struct ServiceHarness: Sendable {
    public static let token = "service-test-token"
    /// Call options carrying an accepted token.
    public static let auth = CallOptions(timeout: .seconds(30), metadata: Metadata([("authorization", "Bearer \(token)")]))
    /// Call options for reads.
    public static let open = CallOptions(timeout: .seconds(30))

    /// A client channel to the server.
    public let channel: RPCChannel
    public let port: Int
    public let schema: TestSchema
    public let pool: PostgresPool
    public let health: HealthService
    public let metrics: MetricsRegistry
    /// What the binary triggers on SIGTERM.
    public let shutdown: ShutdownSignal
    public let background: BackgroundTasks

    /// At most this many tests run services at once across a test process.
    private static let limiter = AsyncSemaphore(permits: 4)
    /// Set while a test holds a permit: the services it starts inside (a
    /// rating service beside its catalog) share it, and never wait for a
    /// second one that the other tests' first services could all be holding.
    @TaskLocal private static var holdsPermit = false

    /// Runs `body` against a fresh instance of `definition`; tears
    /// everything down after.
    /// - Parameters:
    ///   - role: whose database role owns the schema (`catalog`).
    ///   - environment: extra variables (`CATALOG_ADDR`, …).
    ///   - poolSize: the pool's most connections (one: every statement
    ///     runs on the same connection, whose session a test can inspect).
    ///   - acquireTimeout: how long a call waits for one of them.
    ///   - login: a role of the test's own to run as, instead of `role`'s.
    ///   - startingBackground: false to leave the background tasks (outbox
    ///     relays) waiting until the test calls `background.start()`.
    public static func with<T>(_ definition: ServiceDefinition, role: String, environment: [String: String] = [:],
                               poolSize: Int = 4, acquireTimeout: Duration = .seconds(30), login: TestLogin? = nil,
                               startingBackground: Bool = true,
                               _ body: (ServiceHarness) async throws -> T) async throws -> T {
        let settings = Settings(role: role, environment: environment, poolSize: poolSize, acquireTimeout: acquireTimeout,
                                login: login, startingBackground: startingBackground)
        if holdsPermit { return try await run(definition, settings, body) }
        return try await limiter.withPermit {
            try await $holdsPermit.withValue(true) {
                try await run(definition, settings, body)
            }
        }
    }

    private struct Settings {
        let role: String
        let environment: [String: String]
        let poolSize: Int
        let acquireTimeout: Duration
        let login: TestLogin?
        let startingBackground: Bool
    }

    private static func run<T>(_ definition: ServiceDefinition, _ settings: Settings,
                               _ body: (ServiceHarness) async throws -> T) async throws -> T {
        let role = settings.role
        let url = try settings.login?.url ?? TestEnvironment.databaseURL(role: role)
        let schema = try await TestSchema.create(role: role, owner: settings.login?.name)
        var configuration = PostgresConfiguration(connectionString: url, schema: schema.name,
                                                  applicationName: "\(role)-test-\(schema.name.suffix(10))")
        configuration.minConnections = 0
        configuration.maxConnections = settings.poolSize
        configuration.acquireTimeout = settings.acquireTimeout
        let pool: PostgresPool
        do {
            pool = try PostgresPool(configuration: configuration, logger: TestEnvironment.logger("\(role).tests.db"))
        } catch {
            await schema.drop()
            throw error
        }

        var upstreams: [String: Upstream] = [:]
        var server: RPCServer?
        var clientChannel: RPCChannel?
        let shutdown = ShutdownSignal()
        let background = BackgroundTasks(logger: TestEnvironment.logger("\(role).tests.background"),
                                         restartDelay: .milliseconds(100))
        func tearDown() async {
            shutdown.trigger()
            clientChannel?.close()
            await server?.shutdown(drainTimeout: .seconds(2))
            await background.stop()
            for upstream in upstreams.values { upstream.close() }
            await pool.shutdown()
            await schema.drop()
        }

        do {
            for migrator in try ServiceRunner.migrators(definition, schema: schema.name) {
                try await migrator.run(on: pool)
            }
            var environment = ["DATABASE_URL": url, "DB_SCHEMA": schema.name, "AUTH_TOKENS": token,
                               "LISTEN_ADDR": "127.0.0.1:\(definition.defaultPort)"]
            environment.merge(settings.environment) { _, new in new }
            var serviceConfiguration = try ServiceConfiguration(
                service: definition.name, defaultPort: definition.defaultPort,
                schema: schema.name, upstreams: definition.upstreams, environment: environment)
            // A free port (LISTEN_ADDR takes 1-65535 only).
            serviceConfiguration.listenPort = 0
            let logger = TestEnvironment.logger("\(role).tests")
            let registry = MetricsRegistry(service: definition.name)
            upstreams = try ServiceRunner.upstreams(definition, serviceConfiguration, logger: logger, metrics: registry,
                                                    channel: testChannelConfiguration())
            let health = HealthService(statuses: [definition.grpcServiceName: .serving, "": .serving])
            let context = ServiceContext(configuration: serviceConfiguration, pool: pool, logger: logger,
                                         health: health, shutdown: shutdown, background: background,
                                         metrics: registry, upstreams: upstreams)
            let rpcServer = try await ServiceRunner.makeServer(definition, context: context, registry: registry,
                                                               logger: TestEnvironment.logger)
            server = rpcServer
            let port = try await rpcServer.start().port!
            if settings.startingBackground { background.start() }
            let channel = try RPCChannel(target: "127.0.0.1:\(port)", configuration: testChannelConfiguration())
            clientChannel = channel
            let harness = ServiceHarness(channel: channel, port: port, schema: schema, pool: pool, health: health,
                                         metrics: registry, shutdown: shutdown, background: background)
            let result = try await body(harness)
            await tearDown()
            return result
        } catch {
            await tearDown()
            throw error
        }
    }
}

/// Client channels with quick reconnects, for tests.
public func testChannelConfiguration() -> RPCChannel.Configuration {
    RPCChannel.Configuration(connectTimeout: .seconds(5),
                             backoff: ConnectionBackoff(initial: .milliseconds(50), maximum: .milliseconds(500)))
}
