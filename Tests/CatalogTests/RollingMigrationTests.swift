import ServiceKitTesting
import Foundation
import LoopbackPorts
import Postgres
import RestaurantAPI
import RPC
import Synchronization
import Testing
import WellKnownTypes

/// A rolling deploy of the dietary-restrictions release on a live 50,000
/// product menu: the previous release's `catalog-service` (built from git
/// history by `scripts/test.sh`, path in `CATALOG_PREVIOUS_BINARY`) serves 8
/// busy clients while this release's binary migrates the schema under it.
@Suite("Rolling migration: the previous catalog keeps serving while the new one migrates", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CATALOG_PREVIOUS_BINARY"] != nil,
                "set CATALOG_PREVIOUS_BINARY to the previous release's catalog-service (scripts/test.sh does)"),
       .timeLimit(.minutes(5)))
struct RollingMigrationTests {
    static let products = 50_000
    static let lockTimeoutMilliseconds = 2000  // the default
    static let lockTimeout = Duration.milliseconds(lockTimeoutMilliseconds)

    /// What the load's clients share.
    final class Load: Sendable {
        let calls = Mutex<[Call]>([])
        let running = Atomic<Bool>(true)
    }

    /// One call of the load: when it started (since the load began), how
    /// long it took, and its error.
    struct Call: Sendable {
        let method: String
        let start: Duration
        let duration: Duration
        let error: String?
    }

    @Test("0 failed calls while 0003–0006 run under load; the longest stall stays below the lock timeout; the old binary works on the new schema")
    func rollingMigrationUnderLoad() async throws {
        let previous = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["CATALOG_PREVIOUS_BINARY"]))
        let schema = try await TestSchema.create()
        let admin = try TestEnvironment.admin()
        var environment = [
            "DATABASE_URL": try TestEnvironment.catalogURL(), "DB_SCHEMA": schema.name, "AUTH_TOKENS": ServiceHarness.token,
            "LOG_LEVEL": "info",
        ]
        let oldPort = try Self.portForThePreviousRelease()
        environment["LISTEN_ADDR"] = "127.0.0.1:\(oldPort)"
        let old = try ServiceProcess(executable: previous, environment: environment)
        var new: ServiceProcess?
        defer {
            old.removeLog()
            new?.removeLog()
        }
        do {
            let oldChannel = try RPCChannel(target: "127.0.0.1:\(oldPort)", configuration: testChannelConfiguration())
            defer { oldChannel.close() }
            let oldClient = CatalogServiceClient(channel: oldChannel)
            #expect(await HealthProbe(channel: oldChannel).waitFor(.serving, services: ["", CatalogService.name], timeout: .seconds(60)),
                    "the previous catalog did not become SERVING; output:\n\(old.output)")
            let table = "\(schema.name).products"
            // The menu, written directly: 10 categories, 50,000 products, one in ten tagged with a restriction.
            try await admin.execute("""
                INSERT INTO \(unescaped: schema.name).categories (name, slug, sort_order)
                SELECT 'Category ' || g, 'category-' || g, g FROM generate_series(1, 10) g
                """)
            try await admin.execute("""
                INSERT INTO \(unescaped: table) (category_id, name, description, price_cents, preparation_minutes, tags)
                SELECT (SELECT min(id) FROM \(unescaped: schema.name).categories) + g % 10, 'Dish ' || g, 'house dish', 100 + g % 5000, g % 60,
                       CASE WHEN g % 10 = 0 THEN ARRAY['vegan', 'spicy'] ELSE ARRAY['house'] END
                FROM generate_series(1, \(literal: Self.products)) g
                """)
            try await admin.execute("ANALYZE \(unescaped: table)")
            let ids = try await admin.query("SELECT min(id), max(id) FROM \(unescaped: table)")[0].decode((Int64, Int64).self)

            // db-status of the new binary, before: 0003–0006 pending.
            let before = try await Self.dbStatus(environment)
            #expect(before.contains("  applied  0002_product_ratings.sql"), "\(before)")
            #expect(before.contains("  pending  0004_backfill_dietary_restrictions.sql"), "\(before)")
            #expect(before.contains("(no-transaction)"), "\(before)")

            // The load: 8 clients against the previous release.
            let clock = ContinuousClock()
            let loadStart = clock.now
            let shared = Load()
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for client in 0..<8 {
                        group.addTask {
                            var generator = SystemRandomNumberGenerator()
                            var round = 0
                            while shared.running.load(ordering: .relaxed) {
                                let id = Int64.random(in: ids.0...ids.1, using: &generator)
                                let method = ["GetProduct", "ListProducts", "UpdateProduct"][(client + round) % 3]
                                round += 1
                                let start = clock.now
                                var failure: String?
                                do {
                                    switch method {
                                    case "GetProduct":
                                        _ = try await oldClient.getProduct(.with { $0.id = id }, options: ServiceHarness.open)
                                    case "ListProducts":
                                        _ = try await oldClient.listProducts(.with {
                                            $0.categoryId = 0
                                            $0.minPriceCents = id % 4000
                                            $0.sort = .priceAsc
                                        }, options: ServiceHarness.open)
                                    default:
                                        _ = try await oldClient.updateProduct(.with {
                                            $0.product = .with { $0.id = id; $0.priceCents = 100 + id % 900 }
                                            $0.updateMask = .init(paths: ["price_cents"])
                                        }, options: ServiceHarness.auth)
                                    }
                                } catch {
                                    failure = "\(error)"
                                }
                                let call = Call(method: method, start: start - loadStart, duration: clock.now - start, error: failure)
                                shared.calls.withLock { $0.append(call) }
                            }
                        }
                    }
                }
            }
            try await Task.sleep(for: .seconds(1))

            // The new release starts on the same schema and migrates it under the load.
            var newEnvironment = environment
            newEnvironment["LISTEN_ADDR"] = "127.0.0.1:0"
            newEnvironment["MIGRATION_LOCK_TIMEOUT_MS"] = "\(Self.lockTimeoutMilliseconds)"
            let migrationStart = clock.now - loadStart
            let started = try ServiceProcess(environment: newEnvironment)
            new = started
            let newPort = try await started.ports().grpc
            let newChannel = try RPCChannel(target: "127.0.0.1:\(newPort)", configuration: testChannelConfiguration())
            defer { newChannel.close() }
            let migrated = await HealthProbe(channel: newChannel).waitFor(.serving, services: ["", CatalogService.name],
                                                                          timeout: .seconds(120))
            let migrationEnd = clock.now - loadStart
            try await Task.sleep(for: .seconds(1))
            shared.running.store(false, ordering: .relaxed)
            await load.value
            #expect(migrated, "the new catalog did not become SERVING; output:\n\(started.output)")
            let applied = try await admin.query("SELECT version FROM \(unescaped: schema.name).schema_migrations ORDER BY 1")
            #expect(try applied.map { try $0.decode(Int.self, at: 0) } == [1, 2, 3, 4, 5, 6])

            let all = shared.calls.withLock { $0 }
            let failed = all.filter { $0.error != nil }
            let during = all.filter { $0.start + $0.duration >= migrationStart && $0.start <= migrationEnd }
            let longest = during.max { $0.duration < $1.duration }
            let sorted = during.map(\.duration).sorted()
            let p99 = sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            print("""
                rolling migration: \(all.count) calls, \(failed.count) failed; migration took \(migrationEnd - migrationStart); \
                \(during.count) calls during it: p99 \(p99), longest \(longest.map { "\($0.duration) (\($0.method))" } ?? "-"); \
                lock timeout \(Self.lockTimeout)
                """)
            #expect(failed.isEmpty, "failed calls: \(failed.prefix(5).map { "\($0.method): \($0.error ?? "")" })")
            #expect(during.count > 100, "the load ran during the migration")
            #expect((longest?.duration ?? .zero) < Self.lockTimeout,
                    "\(started.output.split(separator: "\n").filter { $0.contains("retrying") }.joined(separator: "\n"))")

            // The backfill, through the new release.
            let newClient = CatalogServiceClient(channel: newChannel)
            let vegan = try await newClient.listProducts(.with { $0.dietary = [.vegan] }, options: ServiceHarness.open)
            #expect(vegan.totalSize == Int32(Self.products / 10))
            #expect(vegan.products.first?.dietaryRestrictions == [.vegetarian, .vegan, .dairyFree])

            // The previous release on the expanded schema: every RPC still works.
            let category = try await oldClient.createCategory(.with { $0.name = "Rollout" }, options: ServiceHarness.auth)
            let created = try await oldClient.createProduct(.with {
                $0.categoryId = category.id
                $0.name = "Rollout special"
                $0.priceCents = 1500
                $0.tags = ["vegan"]
            }, options: ServiceHarness.auth)
            #expect(try await oldClient.getProduct(.with { $0.id = created.id }, options: ServiceHarness.open).name == "Rollout special")
            let renamed = try await oldClient.updateProduct(.with {
                $0.product = .with { $0.id = created.id; $0.name = "Rollout special 2" }
                $0.updateMask = .init(paths: ["name"])
            }, options: ServiceHarness.auth)
            #expect(renamed.name == "Rollout special 2")
            let listed = try await oldClient.listProducts(.with { $0.categoryId = category.id }, options: ServiceHarness.open)
            #expect(listed.products.map(\.id) == [created.id])
            let imported = try await oldClient.importProducts(options: ServiceHarness.auth) { writer in
                try await writer.write(.with { $0.categoryId = category.id; $0.name = "Imported"; $0.priceCents = 700 })
            }
            #expect(imported.createdCount == 1)
            let batch = try await oldClient.batchGetProducts(.with { $0.ids = [created.id, ids.0] }, options: ServiceHarness.open)
            #expect(batch.products.map(\.id) == [created.id, ids.0])
            _ = try await oldClient.deleteProduct(.with { $0.id = ids.0 }, options: ServiceHarness.auth)
            // What it wrote reads back through the new release, without restrictions:
            // the previous release cannot set them.
            let seen = try await newClient.getProduct(.with { $0.id = created.id }, options: ServiceHarness.open)
            #expect(seen.name == "Rollout special 2" && seen.dietaryRestrictions.isEmpty)

            // `migrate`, as a deploy step, finds nothing left to do.
            let migrate = try ServiceProcess(arguments: ["migrate"], environment: environment)
            defer { migrate.removeLog() }
            #expect(await migrate.waitForExit(timeout: .seconds(30)) == 0, "migrate output:\n\(migrate.output)")
            #expect(migrate.output.contains("schema_migrations: up to date\n"), "migrate output:\n\(migrate.output)")

            let after = try await Self.dbStatus(environment)
            #expect(after.contains("  applied  0006_validate_dietary_restrictions.sql"), "\(after)")
            #expect(!after.contains("  pending  "), "\(after)")
            #expect(after.contains("invalid indexes: none"), "\(after)")
        } catch {
            await new?.stop()
            await old.stop()
            await schema.drop()
            throw error
        }
        await new?.stop()
        await old.stop()
        #expect(old.process.terminationStatus == 0, "the previous catalog's exit; output:\n\(old.output)")
        await schema.drop()
    }

    @Test("catalog-service killed (-9) mid index build: the INVALID index it leaves is rebuilt on the next start")
    func killedDuringAConcurrentIndexBuild() async throws {
        let schema = try await TestSchema.create()
        let admin = try TestEnvironment.admin()
        let environment = [
            "DATABASE_URL": try TestEnvironment.catalogURL(), "DB_SCHEMA": schema.name, "AUTH_TOKENS": ServiceHarness.token,
            "LISTEN_ADDR": "127.0.0.1:0",
        ]
        var processes: [ServiceProcess] = []
        defer { for process in processes { process.removeLog() } }
        let index: PostgresQuery = "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(\("\(schema.name).products_dietary_idx"))"
        var holderConfiguration = PostgresConfiguration(connectionString: try TestEnvironment.adminURL(),
                                                        applicationName: "snapshot-holder")
        holderConfiguration.minConnections = 0
        holderConfiguration.maxConnections = 1
        let holder = try PostgresPool(configuration: holderConfiguration, logger: TestEnvironment.logger("snapshot"))
        do {
            // An open snapshot: the build waits for it, its index already created INVALID.
            try await holder.withConnection { snapshot in
                try await snapshot.executeScript("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class")
                let first = try ServiceProcess(environment: environment)
                processes.append(first)
                let building: PostgresQuery = """
                    SELECT pid FROM pg_stat_activity
                    WHERE application_name = 'catalog-service' AND wait_event_type = 'Lock'
                      AND query LIKE 'CREATE INDEX CONCURRENTLY IF NOT EXISTS products_dietary_idx%'
                    """
                let waiting = await eventually(timeout: .seconds(60)) { (try? await admin.query(building).isEmpty) == false }
                #expect(waiting, "the index build never waited; output:\n\(first.output)")
                await first.kill9()
                // Its backend notices the dead client (client_connection_check_interval) and ends.
                let ended = await eventually(timeout: .seconds(15)) { (try? await admin.query(building).isEmpty) == true }
                #expect(ended, "the killed migrator's backend kept waiting")
                try await snapshot.executeScript("COMMIT")
            }
            #expect(try await admin.query(index).first?.decode(Bool.self, at: 0) == false, "an INVALID index is left")

            let second = try ServiceProcess(environment: environment)
            processes.append(second)
            let channel = try RPCChannel(target: "127.0.0.1:\(try await second.ports().grpc)",
                                         configuration: testChannelConfiguration())
            defer { channel.close() }
            #expect(await HealthProbe(channel: channel).waitFor(.serving, services: ["", CatalogService.name], timeout: .seconds(60)),
                    "output:\n\(second.output)")
            #expect(try await admin.query(index).first?.decode(Bool.self, at: 0) == true)
            #expect(second.output.contains("rebuilding an index an interrupted build left INVALID"), "output:\n\(second.output)")
            await second.stop()
            #expect(second.process.terminationStatus == 0)
        } catch {
            for process in processes { await process.stop() }
            await holder.shutdown()
            await schema.drop()
            throw error
        }
        await holder.shutdown()
        await schema.drop()
    }

    /// A free port for the previous release, which predates port 0 in
    /// LISTEN_ADDR: released just before it binds (a small race, this one
    /// process only).
    static func portForThePreviousRelease() throws -> Int {
        let held = try LoopbackPort(listening: false)
        defer { held.close() }
        return held.port
    }

    /// What `catalog-service db-status` prints for the schema.
    static func dbStatus(_ environment: [String: String]) async throws -> String {
        let status = try ServiceProcess(arguments: ["db-status"], environment: environment)
        defer { status.removeLog() }
        let exit = await status.waitForExit(timeout: .seconds(30))
        #expect(exit == 0, "db-status output:\n\(status.output)")
        return status.output
    }
}
