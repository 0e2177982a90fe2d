/// A snapshot of a pool's state and counters, for metrics and health checks.
public struct PostgresPoolMetrics: Sendable, Hashable {
    /// Connections open or being opened.
    public var totalConnections: Int
    /// Open connections waiting to be borrowed.
    public var idleConnections: Int
    /// Connections currently borrowed.
    public var inUseConnections: Int
    /// Connections being established.
    public var pendingConnections: Int
    /// Borrowers waiting for a connection.
    public var waiters: Int
    /// Connections handed out since the pool started.
    public var acquireCount: Int
    /// Borrowers that gave up after the acquire timeout.
    public var acquireTimeouts: Int
    /// The median time borrowers waited for a connection (recent borrows).
    public var acquireWaitP50: Duration
    /// The 99th percentile of that wait.
    public var acquireWaitP99: Duration
    /// Connections established since the pool started.
    public var connectionsCreated: Int
    /// Connections closed since the pool started.
    public var connectionsClosed: Int
    /// Connection attempts that failed since the pool started.
    public var connectionFailures: Int
}
