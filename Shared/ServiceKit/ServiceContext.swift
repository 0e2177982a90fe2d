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
    let channels: [String: RPCChannel]

    /// A channel to the service named by `variable` (`RATING_ADDR`), nil
    /// when that variable is unset. Its calls carry the caller's deadline
    /// and request id.
    public func channel(_ variable: String) -> RPCChannel? {
        channels[variable]
    }
}
