import Foundation
import GRPCProtos
import GRPCServices
import Logging
import OTel
import Postgres
import RPC
import ServiceLifecycle

/// Runs a service binary: configuration from the environment, logging,
/// the database pool and migrations, health and reflection, auth, metrics,
/// the access log, and graceful shutdown on SIGTERM or SIGINT (a
/// swift-service-lifecycle ``ServiceGroup``).
///
/// ```swift
/// @main struct Main {
///     static func main() async { await ServiceRunner.run(Catalog.definition) }
/// }
/// ```
public enum ServiceRunner {
    /// The release the services belong to: each response's `server` header
    /// names it (`catalog-service/1.0.0`), for `restaurantctl stack status`.
    public static let version = "1.0.0"

    /// Runs until terminated, then exits: 0 after a clean shutdown, 78
    /// (EX_CONFIG) for a bad setting, 1 for any other failure to start.
    ///
    /// Other commands (`<name>-service help` lists them) work on the
    /// service's schema and exit: `migrate` applies pending migrations,
    /// `db-status` prints applied and pending migrations, invalid indexes,
    /// blocking locks and long transactions.
    public static func run(_ definition: ServiceDefinition) async -> Never {
        let command = CommandLine.arguments.dropFirst().first
        do {
            switch command {
            case nil, "serve": try await serve(definition)
            case "migrate": try await migrate(definition, apply: true)
            case "db-status": try await migrate(definition, apply: false)
            case "help", "-h", "--help": print(usage(definition))
            case let other?:
                FileHandle.standardError.write(Data("\(definition.name)-service: unknown command '\(other)'\n\(usage(definition))\n".utf8))
                exit(64)
            }
            exit(0)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(definition.name)-service: configuration error: \(error)\n".utf8))
            exit(78)
        } catch {
            let failed = command.map { $0 == "serve" ? "failed to start" : "\($0) failed" } ?? "failed to start"
            FileHandle.standardError.write(Data("\(definition.name)-service: \(failed): \(error)\n".utf8))
            exit(1)
        }
    }

    static func usage(_ definition: ServiceDefinition) -> String {
        """
        usage: \(definition.name)-service [serve | migrate | db-status | help]
          serve      run the service (the default), configured by the environment
          migrate    apply pending migrations to the schema, then exit
          db-status  print applied and pending migrations, invalid indexes,
                     blocking locks and long transactions on the schema
        """
    }

    /// `migrate` (apply pending migrations) or `db-status` (print the status).
    static func migrate(_ definition: ServiceDefinition, apply: Bool) async throws {
        let configuration = try ServiceConfiguration(service: definition.name, defaultPort: definition.defaultPort,
                                                     schema: definition.schema, upstreams: [])
        ServiceLogging.bootstrap(level: configuration.logLevel)
        let schema = configuration.database.schema ?? definition.schema
        let migrators = try Self.migrators(definition, schema: schema, limits: configuration.migrationLimits)
        let pool = try PostgresPool(configuration: configuration.database, logger: Logger(label: "\(definition.name).db"))
        do {
            // A service using none of ServiceKit's tables has nothing to report on them.
            for migrator in migrators where !migrator.migrations.isEmpty {
                if apply {
                    let applied = try await migrator.run(on: pool)
                    print("\(migrator.historyTable): \(applied.isEmpty ? "up to date" : "applied " + applied.map(\.fileName).joined(separator: ", "))")
                } else {
                    print(try await migrator.status(on: pool))
                }
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }

    static func serve(_ definition: ServiceDefinition) async throws {
        let configuration = try ServiceConfiguration(service: definition.name, defaultPort: definition.defaultPort,
                                                     schema: definition.schema, upstreams: definition.upstreams)
        ServiceLogging.bootstrap(level: configuration.logLevel)
        let logger = Logger(label: definition.name)
        if configuration.authTokens.isEmpty {
            logger.warning("AUTH_TOKENS is not set: every call that changes data will be refused")
        }
        if !configuration.upstreams.isEmpty, configuration.upstreamToken == nil {
            logger.warning("UPSTREAM_TOKEN is not set: calls that change data in other services will be refused")
        }

        // DB_SCHEMA may move the service to another schema; migrate that one.
        let schema = configuration.database.schema ?? definition.schema
        let migrators = try Self.migrators(definition, schema: schema, limits: configuration.migrationLimits)
        let registry = MetricsRegistry(service: definition.name)
        let pool = try PostgresPool(configuration: configuration.database, logger: Logger(label: "\(definition.name).db"),
                                    metricsFactory: registry.factory, metricsDimensions: registry.dimensions([]),
                                    tracesStatements: configuration.tracing)
        let tracing = try configuration.tracing ? Self.bootstrapTracing(definition) : nil
        let health = HealthService(statuses: [definition.grpcServiceName: .notServing])
        registry.addGauge("db_pool_connections", help: "Pool connections by state.") {
            let metrics = pool.metrics()
            return [([("state", "idle")], Double(metrics.idleConnections)),
                    ([("state", "in_use")], Double(metrics.inUseConnections)),
                    ([("state", "opening")], Double(metrics.pendingConnections))]
        }
        registry.addGauge("db_pool_waiters", help: "Callers waiting for a pool connection.") {
            [([], Double(pool.metrics().waiters))]
        }
        registry.addCounter("db_pool_acquire_timeouts_total", help: "Acquires that timed out.") {
            [([], Double(pool.metrics().acquireTimeouts))]
        }

        let upstreams = try Self.upstreams(definition, configuration, logger: logger, metrics: registry)
        let shutdown = ShutdownSignal()
        let background = BackgroundTasks(logger: logger)
        let context = ServiceContext(configuration: configuration, pool: pool, logger: logger, health: health,
                                     shutdown: shutdown, background: background, metrics: registry, upstreams: upstreams)
        let server = try await makeServer(definition, context: context, registry: registry)

        let metrics: MetricsEndpoint?
        if let (host, port) = configuration.metricsAddress {
            metrics = try await MetricsEndpoint.start(host: host, port: port, registry: registry)
        } else {
            metrics = nil
        }
        let serving = ServiceTask {
            try await server.run(drainTimeout: .seconds(10)) { address in
                logger.info("started", metadata: [
                    "address": "\(address)",
                    "metrics": "\(metrics?.localAddress.map { "\($0)" } ?? "off")",
                ])
                // Whatever LOG_LEVEL says: with port 0 in LISTEN_ADDR or
                // METRICS_ADDR, this line is how whoever started the service (a
                // test, a supervisor) learns the ports it took.
                FileHandle.standardOutput.write(Data(
                    "listening grpc=\(address.hostPort) metrics=\(metrics?.localAddress?.hostPort ?? "off")\n".utf8))
            } beforeDrain: {
                logger.info("shutting down")
                health.setAll(.notServing)
                shutdown.trigger()
            }
        }
        let readiness = ServiceTask {
            await cancelWhenGracefulShutdown {
                await DatabaseReadiness(pool: pool, migrators: migrators, health: health,
                                        services: ["", definition.grpcServiceName], logger: logger,
                                        onMigrated: background.start).run()
            }
        }
        // Shut down from the last member to the first: the server drains,
        // the readiness loop ends, then background tasks stop, then the
        // metrics endpoint and the upstream channels close, the pool last.
        // The exporter stops last, so the spans of the shutdown are sent too.
        let exporter: [ServiceGroupConfiguration.ServiceConfiguration] = tracing.map {
            [.init(service: $0, serviceName: "trace exporter")]
        } ?? []
        var group = ServiceGroupConfiguration(services: exporter + [
            .init(service: ServiceTask.onShutdown {
                for upstream in upstreams.values { upstream.close() }
                await pool.shutdown()
            }, serviceName: "database pool"),
            .init(service: ServiceTask.onShutdown { await metrics?.close() }, serviceName: "metrics endpoint"),
            .init(service: ServiceTask.onShutdown { await background.stop() }, serviceName: "background tasks"),
            .init(service: readiness, serviceName: "database readiness"),
            .init(service: serving, serviceName: "gRPC server"),
        ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // The drain takes at most 10 s; past 30 s, shutdown turns to cancellation.
        group.maximumGracefulShutdownDuration = .seconds(30)
        try await ServiceGroup(configuration: group).run()
        logger.info("stopped")
    }

    /// Bootstraps swift-otel for traces only (the service keeps its own
    /// logs and Prometheus metrics): W3C propagation, OTLP export as the
    /// `OTEL_*` variables say. Returns the exporter's background service.
    static func bootstrapTracing(_ definition: ServiceDefinition) throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "\(definition.name)-service"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        return try OTel.bootstrap(configuration: configuration)
    }

    /// ServiceKit's tables the definition asks for, then its own migrations,
    /// both on `schema`.
    static func migrators(_ definition: ServiceDefinition, schema: String,
                          limits: PostgresMigrator.Limits = .init()) throws -> [PostgresMigrator] {
        [
            try PostgresMigrator(migrations: ServiceKitTable.migrations(for: definition.tables), schema: schema,
                                 historyTable: ServiceKitTable.historyTable, limits: limits),
            try PostgresMigrator(migrations: PostgresMigration.load(from: definition.migrations), schema: schema,
                                 lintedFrom: definition.migrationsLintedFrom, limits: limits),
        ]
    }

    /// The services `definition` calls that `configuration` names, by
    /// variable; calls on them carry the id of the request being handled
    /// and are counted in `metrics` (`grpc_client_*`).
    static func upstreams(
        _ definition: ServiceDefinition, _ configuration: ServiceConfiguration, logger: Logger, metrics: MetricsRegistry,
        channel: RPCChannel.Configuration = RPCChannel.Configuration(keepalive: (.seconds(30), .seconds(10)))
    ) throws -> [String: Upstream] {
        var channelConfiguration = channel
        channelConfiguration.interceptors.append(RequestIDClientInterceptor())
        channelConfiguration.interceptors.append(MetricsClientInterceptor(registry: metrics))
        if configuration.tracing { channelConfiguration.interceptors.append(TracingClientInterceptor()) }
        var upstreams: [String: Upstream] = [:]
        for dependency in definition.upstreams {
            guard let target = configuration.upstreams[dependency.variable] else { continue }
            upstreams[dependency.variable] = Upstream(
                dependency: dependency, channel: try RPCChannel(target: target, configuration: channelConfiguration),
                token: configuration.upstreamToken, logger: logger)
        }
        return upstreams
    }

    /// The server of a service, not yet started: the handlers `definition`
    /// builds, health and reflection, behind request ids, the access log,
    /// metrics, bearer tokens and the database error net, on
    /// `LISTEN_ADDR`. The tests run this same server.
    /// - Parameter logger: makes the server's loggers by label (tests quiet them).
    static func makeServer(_ definition: ServiceDefinition, context: ServiceContext, registry: MetricsRegistry,
                           logger: (String) -> Logger = { Logger(label: $0) }) async throws -> RPCServer {
        let services = try await definition.makeServices(context)
        let reflection = try ReflectionService(files: definition.descriptorFiles,
                                               services: services.map(\.name) + [Grpc_Health_V1_Health.name])
        let configuration = context.configuration
        return RPCServer(
            configuration: .init(host: configuration.listenHost, port: configuration.listenPort,
                                 serverName: "\(definition.name)-service/\(version)"),
            services: services + [context.health.rpcService] + reflection.rpcServices,
            // Outermost, so everything after (request ids, the access log) runs in the span.
            interceptors: (configuration.tracing ? [TracingServerInterceptor()] as [any RPCServerInterceptor] : []) + [
                RequestIDServerInterceptor(),
                AccessLogInterceptor(logger: logger("\(definition.name).access"), quietServices: [Grpc_Health_V1_Health.name]),
                MetricsInterceptor(registry: registry),
                BearerTokenInterceptor(tokens: configuration.authTokens, protectedServices: Set(services.map(\.name))),
                StoreErrorInterceptor(),
            ],
            logger: logger("\(definition.name).rpc"))
    }
}
