import Foundation
import Postgres
import ServiceKit
import ServiceKitTesting

/// A fresh schema with ServiceKit's tables, and a pool on it, for one test.
struct KitDatabase: Sendable {
    let schema: TestSchema
    let pool: PostgresPool

    /// A pool on a new schema (owned by the catalog role) with `tables`
    /// created as the runner creates them.
    static func with<T>(tables: Set<ServiceKitTable> = Set(ServiceKitTable.allCases), maxConnections: Int = 4,
                        _ body: (KitDatabase) async throws -> T) async throws -> T {
        let schema = try await TestSchema.create(role: "catalog")
        do {
            let pool = try makePool(schema: schema, maxConnections: maxConnections, name: "kit")
            do {
                let migrator = try PostgresMigrator(migrations: ServiceKitTable.migrations(for: tables), schema: schema.name,
                                                    historyTable: ServiceKitTable.historyTable)
                try await migrator.run(on: pool)
                let result = try await body(KitDatabase(schema: schema, pool: pool))
                await pool.shutdown()
                await schema.drop()
                return result
            } catch {
                await pool.shutdown()
                throw error
            }
        } catch {
            await schema.drop()
            throw error
        }
    }

    /// Another pool on the same schema (another replica), named `name` in
    /// pg_stat_activity. The caller shuts it down.
    func replica(_ name: String, maxConnections: Int = 3) throws -> PostgresPool {
        try Self.makePool(schema: schema, maxConnections: maxConnections, name: name)
    }

    static func makePool(schema: TestSchema, maxConnections: Int, name: String) throws -> PostgresPool {
        var configuration = PostgresConfiguration(connectionString: try TestEnvironment.databaseURL(role: "catalog"),
                                                  schema: schema.name,
                                                  applicationName: "\(name)-\(schema.name.suffix(10))")
        configuration.minConnections = 0
        configuration.maxConnections = maxConnections
        configuration.acquireTimeout = .seconds(30)
        return try PostgresPool(configuration: configuration, logger: TestEnvironment.logger("kit.tests.\(name)"))
    }

    /// Terminates every backend of the pool named `name` (a crash, as the
    /// database sees one).
    func terminate(_ name: String) async throws {
        try await TestEnvironment.admin().execute("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \("\(name)-\(schema.name.suffix(10))")
            """)
    }
}
