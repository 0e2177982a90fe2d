import GRPCServices
import Logging
import Postgres

/// Applies migrations once the database can be reached, then keeps health
/// in step with the database: SERVING while it answers, NOT_SERVING while
/// it does not.
struct DatabaseReadiness {
    let pool: PostgresPool
    let migrators: [PostgresMigrator]
    let health: HealthService
    let services: [String]
    let logger: Logger
    /// Runs once the migrations are applied (starting background work).
    let onMigrated: @Sendable () -> Void
    let probeInterval: Duration = .seconds(2)

    func run() async {
        await migrate()
        guard !Task.isCancelled else { return }
        onMigrated()
        var serving = false
        while !Task.isCancelled {
            let reachable: Bool
            do {
                _ = try await pool.query("SELECT 1")
                reachable = true
            } catch {
                reachable = false
                if serving { logger.warning("database unreachable; reporting NOT_SERVING", metadata: ["error": "\(error)"]) }
            }
            if reachable != serving {
                serving = reachable
                if serving { logger.info("database reachable; reporting SERVING") }
                for service in services { health.setStatus(serving ? .serving : .notServing, for: service) }
            }
            try? await Task.sleep(for: probeInterval)
        }
    }

    /// Retries until the migrations apply (the database may start after the
    /// service), backing off to 10 s between attempts.
    private func migrate() async {
        var delay: Duration = .milliseconds(500)
        var attempts = 0
        while !Task.isCancelled {
            do {
                var applied: [PostgresMigration] = []
                for migrator in migrators { applied += try await migrator.run(on: pool) }
                logger.info("migrations up to date", metadata: [
                    "applied": "\(applied.map(\.fileName).joined(separator: ", "))",
                    "total": "\(migrators.map(\.migrations.count).reduce(0, +))",
                ])
                return
            } catch let error as PostgresMigrationError {
                if case .lockTimeout = error {
                    logger.warning("migration postponed: a table stayed busy", metadata: ["error": "\(error)"])
                } else {
                    // A changed or invalid migration will not fix itself; say so loudly.
                    logger.critical("migrations refused", metadata: ["error": "\(error)"])
                }
            } catch {
                attempts += 1
                if attempts == 1 || attempts.isMultiple(of: 10) {
                    logger.warning("cannot apply migrations yet; retrying", metadata: ["error": "\(error)", "attempt": "\(attempts)"])
                }
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(10))
        }
    }
}
