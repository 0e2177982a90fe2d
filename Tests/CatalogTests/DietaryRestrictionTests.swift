import ServiceKitTesting
import Foundation
import Postgres
import RestaurantAPI
import RPC
import Testing
import WellKnownTypes
@testable import Catalog

@Suite("Dietary restrictions: stored, validated, filtered and backfilled from tags", .timeLimit(.minutes(2)))
struct DietaryRestrictionTests {
    @Test("Create, update and read keep restrictions once, in order; VEGAN adds VEGETARIAN and DAIRY_FREE")
    func storedAndNormalized() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            let created = try await catalog.client.createProduct(.with {
                $0.categoryId = mains.id
                $0.name = "Falafel"
                $0.priceCents = 900
                $0.dietaryRestrictions = [.halal, .vegan, .glutenFree, .vegan]
            }, options: CatalogHarness.auth)
            #expect(created.dietaryRestrictions == [.vegetarian, .vegan, .glutenFree, .dairyFree, .halal])
            #expect(try await catalog.client.getProduct(.with { $0.id = created.id }, options: CatalogHarness.open) == created)

            let updated = try await catalog.client.updateProduct(.with {
                $0.product = .with {
                    $0.id = created.id
                    $0.dietaryRestrictions = [.kosher, .nutFree]
                }
                $0.updateMask = .init(paths: ["dietary_restrictions"])
            }, options: CatalogHarness.auth)
            #expect(updated.dietaryRestrictions == [.nutFree, .kosher])
            // Other updates leave them alone.
            let renamed = try await catalog.client.updateProduct(.with {
                $0.product = .with { $0.id = created.id; $0.name = "Falafel wrap" }
                $0.updateMask = .init(paths: ["name"])
            }, options: CatalogHarness.auth)
            #expect(renamed.dietaryRestrictions == [.nutFree, .kosher])
            let stored = try await catalog.pool.query("SELECT dietary_restrictions FROM products WHERE id = \(created.id)")
            #expect(try stored[0].decode([String].self, at: 0) == ["nut_free", "kosher"])
        }
    }

    @Test("Unknown and unspecified restrictions are INVALID_ARGUMENT naming the field and index; nothing is written")
    func validation() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            await expectInvalid("dietary_restrictions[1] is not a known dietary restriction (42)") {
                try await catalog.client.createProduct(.with {
                    $0.categoryId = mains.id
                    $0.name = "Soup"
                    $0.priceCents = 500
                    $0.dietaryRestrictions = [.vegan, .unrecognized(42)]
                }, options: CatalogHarness.auth)
            }
            await expectInvalid("dietary_restrictions[0] must not be DIETARY_RESTRICTION_UNSPECIFIED") {
                try await catalog.client.createProduct(.with {
                    $0.categoryId = mains.id
                    $0.name = "Soup"
                    $0.priceCents = 500
                    $0.dietaryRestrictions = [.unspecified]
                }, options: CatalogHarness.auth)
            }
            let soup = try await catalog.product(mains.id, "Soup")
            await expectInvalid("product.dietary_restrictions[0] is not a known dietary restriction (8)") {
                try await catalog.client.updateProduct(.with {
                    $0.product = .with { $0.id = soup.id; $0.dietaryRestrictions = [.unrecognized(8)] }
                    $0.updateMask = .init(paths: ["dietary_restrictions"])
                }, options: CatalogHarness.auth)
            }
            await expectInvalid("dietary[2] must not be DIETARY_RESTRICTION_UNSPECIFIED") {
                try await catalog.client.listProducts(.with { $0.dietary = [.vegan, .halal, .unspecified] }, options: CatalogHarness.open)
            }
            await expectInvalid("dietary[0] is not a known dietary restriction (-1)") {
                try await catalog.client.listProducts(.with { $0.dietary = [.unrecognized(-1)] }, options: CatalogHarness.open)
            }
            let count = try await catalog.pool.query("SELECT count(*) FROM products")
            #expect(try count[0].decode(Int.self, at: 0) == 1)
            #expect(try await catalog.client.getProduct(.with { $0.id = soup.id }, options: CatalogHarness.open) == soup)
        }
    }

    @Test("ListProducts' dietary filter matches products meeting every requested restriction; page tokens are bound to it")
    func filter() async throws {
        try await CatalogHarness.with { catalog in
            let mains = try await catalog.category("Mains")
            func product(_ name: String, _ restrictions: [DietaryRestriction]) async throws -> Int64 {
                try await catalog.client.createProduct(.with {
                    $0.categoryId = mains.id
                    $0.name = name
                    $0.priceCents = 1000
                    $0.dietaryRestrictions = restrictions
                }, options: CatalogHarness.auth).id
            }
            let curry = try await product("A curry", [.vegan, .glutenFree])
            let pizza = try await product("B pizza", [.vegetarian])
            let bread = try await product("C bread", [.vegan])
            let steak = try await product("D steak", [.glutenFree, .halal])
            _ = try await product("E fries", [])

            func ids(_ dietary: [DietaryRestriction]) async throws -> (ids: [Int64], total: Int32) {
                let page = try await catalog.client.listProducts(.with { $0.dietary = dietary }, options: CatalogHarness.open)
                return (page.products.map(\.id), page.totalSize)
            }
            #expect(try await ids([.vegetarian]) == ([curry, pizza, bread], 3))
            #expect(try await ids([.vegan]) == ([curry, bread], 2))
            #expect(try await ids([.glutenFree]) == ([curry, steak], 2))
            #expect(try await ids([.glutenFree, .vegetarian]) == ([curry], 1))
            #expect(try await ids([.glutenFree, .vegetarian, .vegetarian]) == ([curry], 1))
            #expect(try await ids([.kosher]) == ([], 0))
            #expect(try await ids([]).total == 5)

            let first = try await catalog.client.listProducts(.with { $0.dietary = [.vegetarian]; $0.pageSize = 2 },
                                                              options: CatalogHarness.open)
            #expect(first.products.map(\.id) == [curry, pizza])
            let second = try await catalog.client.listProducts(.with {
                $0.dietary = [.vegetarian]
                $0.pageSize = 2
                $0.pageToken = first.nextPageToken
            }, options: CatalogHarness.open)
            #expect(second.products.map(\.id) == [bread] && second.nextPageToken.isEmpty)
            await expectInvalid("page_token is invalid: it belongs to a request with different filters or sort") {
                try await catalog.client.listProducts(.with {
                    $0.dietary = [.vegan]
                    $0.pageSize = 2
                    $0.pageToken = first.nextPageToken
                }, options: CatalogHarness.open)
            }
        }
    }

    @Test("The backfill derives restrictions from tags in batches, touches nothing else, and a rerun changes nothing")
    func backfillFromTags() async throws {
        let schema = try await TestSchema.create()
        do {
            var configuration = PostgresConfiguration(connectionString: try TestEnvironment.catalogURL(), schema: schema.name,
                                                      applicationName: "catalog-backfill-test")
            configuration.maxConnections = 2
            let pool = try PostgresPool(configuration: configuration, logger: TestEnvironment.logger("catalog.tests.db"))
            do {
                let migrations = try PostgresMigration.load(from: Catalog.definition.migrations)
                let before = migrations.filter { $0.version <= 2 }
                try await PostgresMigrator(migrations: before, lintedFrom: 3).run(on: pool)
                // 2,500 products over three batches; every tenth names restrictions in its tags.
                try await pool.execute("INSERT INTO categories (name, slug) VALUES ('Mains', 'mains')")
                try await pool.execute("""
                    INSERT INTO products (category_id, name, price_cents, preparation_minutes, tags, updated_at)
                    SELECT 1, 'dish ' || g, 100, 5,
                           CASE g % 10 WHEN 1 THEN ARRAY['Spicy', 'vegan'] WHEN 2 THEN ARRAY['gluten-free', 'nut free']
                                       WHEN 3 THEN ARRAY['halal', 'vegetarian', 'kosher', 'dairy_free'] ELSE ARRAY['house'] END,
                           '2020-01-01'
                    FROM generate_series(1, 2500) g
                    """)
                let applied = try await PostgresMigrator(migrations: migrations, lintedFrom: 3).run(on: pool)
                #expect(applied.map(\.version) == [3, 4, 5, 6])

                let rows = try await pool.query("""
                    SELECT dietary_restrictions, count(*)::int FROM products
                    WHERE updated_at = '2020-01-01' GROUP BY 1 ORDER BY 2, 1
                    """)
                let counts = try rows.map { try $0.decode(([String], Int32).self) }.map { "\($0.0.joined(separator: ",")):\($0.1)" }
                #expect(Set(counts) == [
                    "vegetarian,vegan,dairy_free:250", "gluten_free,nut_free:250", "vegetarian,dairy_free,halal,kosher:250", ":1750",
                ])
                // The index and the validated constraint are in place.
                let valid = try await pool.query("""
                    SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('products_dietary_idx')),
                           (SELECT convalidated FROM pg_constraint WHERE conname = 'products_dietary_restrictions_known' AND conrelid = to_regclass('products'))
                    """)
                #expect(try valid[0].decode((Bool, Bool).self) == (true, true))
                // A rerun of the backfill (as after an interruption) changes nothing.
                let backfill = try #require(migrations.first { $0.version == 4 })
                try await pool.withConnection { connection in
                    let xmin = try await connection.query("SELECT sum(xmin::text::bigint)::bigint FROM products")[0].decode(Int.self, at: 0)
                    try await connection.executeScript(backfill.sql)
                    #expect(try await connection.query("SELECT sum(xmin::text::bigint)::bigint FROM products")[0].decode(Int.self, at: 0) == xmin)
                }
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        } catch {
            await schema.drop()
            throw error
        }
        await schema.drop()
    }
}
