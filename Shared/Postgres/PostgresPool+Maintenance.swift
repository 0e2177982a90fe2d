import Logging

extension PostgresPool {
    /// One round of housekeeping, run every 100 ms by the maintenance task:
    /// times out waiters, retires expired, broken and surplus idle
    /// connections, reports suspected leaks, and opens connections up to
    /// the minimum (and for waiters) once any backoff has passed.
    func maintain() {
        let now = ContinuousClock.now
        var retired: [PooledConnection] = []
        var timedOut: [PoolState.Waiter] = []
        var leaks: [(file: String, line: Int, held: Duration, connection: Int)] = []
        let connect: Int = state.withLock { state in
            guard !state.isShutDown else { return 0 }

            while let first = state.waiters.first, now - first.enqueuedAt >= configuration.acquireTimeout {
                timedOut.append(state.waiters.removeFirst())
            }
            state.acquireTimeouts += timedOut.count

            state.idle.removeAll { connection in
                let retire = connection.expiresAt <= now || !connection.driver.isReusable
                if retire { retired.append(connection) }
                return retire
            }
            // Oldest idle first: the front of the list was used least recently.
            while state.openCount > configuration.minConnections,
                let oldest = state.idle.first,
                now - oldest.lastUsed >= configuration.idleTimeout
            {
                retired.append(state.idle.removeFirst())
            }
            state.connectionsClosed += retired.count

            if let threshold = configuration.leakDetectionThreshold {
                for (id, lease) in state.leased where !lease.leakReported && now - lease.borrowedAt >= threshold {
                    state.leased[id]?.leakReported = true
                    leaks.append((lease.file, lease.line, now - lease.borrowedAt, id))
                }
            }

            return state.connectionsToOpen(
                now: now,
                minimum: configuration.minConnections,
                maximum: configuration.maxConnections
            )
        }

        for connection in retired {
            connection.driver.close()
        }
        for waiter in timedOut {
            waiter.continuation.resume(throwing: PostgresError(code: .poolExhausted))
        }
        if !timedOut.isEmpty {
            logger.warning("borrowers timed out waiting for a connection", metadata: ["count": "\(timedOut.count)"])
        }
        for leak in leaks {
            logger.warning(
                "connection borrowed longer than the leak detection threshold",
                metadata: [
                    "borrowed_at": "\(leak.file):\(leak.line)",
                    "held_for": "\(leak.held)",
                    "connection": "\(leak.connection)",
                ]
            )
        }
        openConnections(connect)
    }
}
