/// A connection as the pool tracks it.
struct PooledConnection: Sendable {
    let driver: ConnectionDriver
    /// When the connection is retired (max lifetime minus jitter).
    let expiresAt: ContinuousClock.Instant
    /// When it was last returned (or opened).
    var lastUsed: ContinuousClock.Instant
    /// Whether it was just opened for the current borrower, never sitting
    /// in the pool, so it cannot be stale.
    var isFresh = true

    var id: Int { driver.id }
}
