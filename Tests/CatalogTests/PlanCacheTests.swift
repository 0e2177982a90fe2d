import Postgres
import RestaurantAPI
import ServiceKitTesting
import Testing
import WellKnownTypes

/// Every hot statement of the catalog keeps a cached generic plan after
/// warm-up, on a menu large enough for PostgreSQL to weigh plans as it
/// does in production (on a handful of rows every plan looks alike).
@Suite("Plan cache", .timeLimit(.minutes(3)))
struct PlanCacheTests {
    @Test("hot catalog statements use a generic plan after warm-up; batches by id are planned per call")
    func hotStatementsUseGenericPlans() async throws {
        try await CatalogHarness.with(poolSize: 1) { catalog in
            var categories: [Int64] = []
            for index in 1...8 { categories.append(try await catalog.category("Category \(index)", sortOrder: Int32(index)).id) }
            try await catalog.pool.execute("""
                INSERT INTO products (category_id, name, description, price_cents, preparation_minutes, tags)
                SELECT (\(categories))[1 + g % 8], 'Dish ' || g, 'A dish of the house, number ' || g,
                       300 + g % 3700, g % 60, ARRAY['house']
                FROM generate_series(1, 5000) AS g
                """)
            try await catalog.pool.execute("ANALYZE categories")
            try await catalog.pool.execute("ANALYZE products")
            let ids = try await catalog.pool.query("SELECT id FROM products ORDER BY id LIMIT 12").map { try $0.decode(Int64.self) }

            for (round, id) in ids.enumerated() {
                let client = catalog.client
                _ = try await client.getProduct(.with { $0.id = id }, options: CatalogHarness.open)
                _ = try await client.batchGetProducts(.with { $0.ids = Array(ids.prefix(2 + round % 3)) }, options: CatalogHarness.open)
                _ = try await client.listCategories(.init(), options: CatalogHarness.open)
                _ = try await client.listProducts(.with { $0.pageSize = 20 }, options: CatalogHarness.open)
                _ = try await client.listProducts(.with {
                    $0.categoryId = categories[round % 8]
                    $0.pageSize = 20
                }, options: CatalogHarness.open)
                _ = try await client.listProducts(.with {
                    $0.sort = .priceAsc
                    $0.availableOnly = true
                    $0.pageSize = 20
                }, options: CatalogHarness.open)
                _ = try await client.updateProduct(.with {
                    $0.product = .with {
                        $0.id = id
                        $0.priceCents = 500 + Int64(round)
                    }
                    $0.updateMask = Google_Protobuf_FieldMask(paths: ["price_cents"])
                }, options: CatalogHarness.auth)
                _ = try await client.setProductAvailability(.with {
                    $0.id = id
                    $0.available = round % 2 == 0
                }, options: CatalogHarness.auth)
            }
            // Batches of several ids (`= ANY($1)`) are planned per call, a
            // cost the batch shares among its ids (PostgresQuery.column(_:isAnyOf:)).
            try await PlanCache.expectGenericPlans(on: catalog.pool, replanned: ["WHERE p.id = ANY($1)"])
        }
    }
}
