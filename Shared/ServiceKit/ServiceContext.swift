import GRPCServices
import Logging
import Postgres
import RPC

/// What a service's handlers are built from.
public struct ServiceContext: Sendable {
    public let configuration: ServiceConfiguration
    /// The pool on the service's own schema.
    public let pool: PostgresPool
    public let logger: Logger
    /// The server's health; the runner reports database readiness on it.
    public let health: HealthService
    /// Triggered when the service begins to stop.
    public let shutdown: ShutdownSignal
    /// Long-running work, started once the schema is migrated and stopped
    /// after the server drains.
    public let background: BackgroundTasks
    /// The metrics the service's endpoint serves.
    public let metrics: MetricsRegistry
    let upstreams: [String: Upstream]

    public init(configuration: ServiceConfiguration, pool: PostgresPool, logger: Logger, health: HealthService,
                shutdown: ShutdownSignal, background: BackgroundTasks, metrics: MetricsRegistry,
                upstreams: [String: Upstream]) {
        self.configuration = configuration
        self.pool = pool
        self.logger = logger
        self.health = health
        self.shutdown = shutdown
        self.background = background
        self.metrics = metrics
        self.upstreams = upstreams
    }

    /// The service named by `variable` (`RATING_ADDR`); nil when that
    /// optional upstream is not configured.
    public func upstream(_ variable: String) -> Upstream? {
        upstreams[variable]
    }

    /// The required upstream named by `variable`; configuration has already
    /// refused to start without it, so this throws only for a variable the
    /// definition does not list as required.
    public func requiredUpstream(_ variable: String) throws(ConfigurationError) -> Upstream {
        guard let upstream = upstreams[variable] else {
            throw ConfigurationError(variable: variable, problem: "is required but not configured")
        }
        return upstream
    }
}
